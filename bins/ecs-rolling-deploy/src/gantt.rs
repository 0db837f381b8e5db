//! The rollout as a picture: a Mermaid Gantt chart (GitHub renders it in the
//! step summary) of the deployment states and of our tasks, from created
//! through running to stopped.

use std::fmt::Write as _;

use crate::follow::Mark;
use crate::tasks::TaskInfo;

/// A bar from `start` to `end` (epoch seconds) with a Mermaid tag.
fn bar(out: &mut String, name: &str, tag: &str, start: f64, end: f64) {
    // Whole seconds (dateFormat X); a bar is at least one second long.
    let (start, end) = (start.floor() as i64, end.ceil() as i64);
    let end = end.max(start + 1);
    let name = name.replace([':', '#', ';'], " ");
    let tag = if tag.is_empty() {
        String::new()
    } else {
        format!("{tag}, ")
    };
    let _ = writeln!(out, "    {name} :{tag}{start}, {end}");
}

/// The chart, or `None` when nothing has a time.
pub fn chart(title: &str, marks: &[Mark], tasks: &[TaskInfo], now: f64) -> Option<String> {
    let mut body = String::new();
    for (i, mark) in marks.iter().enumerate() {
        if i == 0 || marks[i - 1].id != mark.id {
            let _ = writeln!(body, "    section {}", mark.id.replace(':', " "));
        }
        let start = if mark.state == "IN_PROGRESS" {
            mark.created_at.or(mark.at)
        } else {
            mark.at
        };
        let Some(start) = start else { continue };
        let end = marks[i + 1..]
            .iter()
            .find(|m| m.id == mark.id)
            .and_then(|m| m.at)
            .unwrap_or(if mark.state == "IN_PROGRESS" {
                now
            } else {
                start
            });
        let tag = match mark.state.as_str() {
            "FAILED" => "crit",
            "COMPLETED" => "done",
            _ => "active",
        };
        bar(&mut body, &mark.state, tag, start, end);
    }
    if !tasks.is_empty() {
        body.push_str("    section tasks\n");
    }
    for task in tasks {
        let short: String = task.id.chars().take(8).collect();
        let Some(created) = task.created_at else {
            continue;
        };
        let running_from = task.started_at;
        let pending_end = running_from.or(task.stopped_at).unwrap_or(now);
        bar(
            &mut body,
            &format!("{short} starting"),
            "",
            created,
            pending_end,
        );
        if let Some(started) = running_from {
            let health = task.health.as_deref().unwrap_or("UNKNOWN");
            let tag = if task.failed() { "crit" } else { "active" };
            let end = task.stopped_at.unwrap_or(now);
            bar(
                &mut body,
                &format!("{short} running {health}"),
                tag,
                started,
                end,
            );
        }
        if let Some(stopped) = task.stopped_at {
            let code = task.stop_code.as_deref().unwrap_or("stopped");
            let tag = if task.failed() { "crit" } else { "done" };
            bar(&mut body, &format!("{short} {code}"), tag, stopped, stopped);
        }
    }
    if body.is_empty() {
        return None;
    }
    Some(format!(
        "```mermaid\ngantt\n    title {}\n    dateFormat X\n    axisFormat %H:%M:%S\n{body}```\n",
        title.replace(':', " ")
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tasks::ContainerInfo;

    fn mark(id: &str, state: &str, at: f64) -> Mark {
        Mark {
            id: id.into(),
            state: state.into(),
            at: Some(at),
            created_at: Some(100.0),
        }
    }

    #[test]
    fn deployment_states_and_tasks_become_bars() {
        let marks = [
            mark("ecs-svc/1", "IN_PROGRESS", 101.0),
            mark("ecs-svc/1", "FAILED", 130.5),
        ];
        let tasks = [TaskInfo {
            id: "0123456789abcdef".into(),
            last_status: "STOPPED".into(),
            health: Some("UNKNOWN".into()),
            created_at: Some(102.0),
            started_at: Some(110.0),
            stopped_at: Some(113.0),
            stop_code: Some("EssentialContainerExited".into()),
            stopped_reason: Some("Essential container in task exited".into()),
            containers: vec![ContainerInfo {
                name: "app".into(),
                exit_code: Some(1),
                reason: None,
                health: None,
                logs: vec![],
                log_stream: None,
            }],
        }];
        let chart = chart("backend: ecs-svc/1", &marks, &tasks, 140.0).unwrap();
        assert!(
            chart.starts_with("```mermaid\ngantt\n    title backend  ecs-svc/1\n"),
            "{chart}"
        );
        assert!(
            chart.contains("    section ecs-svc/1\n    IN_PROGRESS :active, 100, 131\n"),
            "{chart}"
        );
        assert!(chart.contains("    FAILED :crit, 130, 131\n"), "{chart}");
        assert!(
            chart.contains("    01234567 starting :102, 110\n"),
            "{chart}"
        );
        assert!(
            chart.contains("    01234567 running UNKNOWN :crit, 110, 113\n"),
            "{chart}"
        );
        assert!(
            chart.contains("    01234567 EssentialContainerExited :crit, 113, 114\n"),
            "{chart}"
        );
        assert!(chart.ends_with("```\n"));
    }

    #[test]
    fn nothing_to_draw() {
        assert_eq!(chart("t", &[], &[], 0.0), None);
    }
}
