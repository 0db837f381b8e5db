//! One render: load the source, render, validate, write, publish. Nothing
//! is written unless the rendered definition is valid, and a file is
//! written atomically, so a signal (exit 130) never leaves half a file.

use portfolio_core::output::Progress;
use portfolio_core::{Aws, Exit, FileLocation, Session};
use portfolio_taskdef::foreign::{self, Foreign, Syntaxes};
use portfolio_taskdef::{TaskDefinition, live, placeholders, render, validate};

use crate::error::Error;
use crate::output;
use crate::result::{Image, Rendered};
use crate::settings::{Settings, Source};

/// Runs one render with resolved settings; stops at the first signal.
pub async fn run(session: &Session, settings: Settings) -> Result<Exit, Error> {
    for warning in &settings.warnings {
        session.warn(warning);
    }
    session
        .cancel
        .guard(render_and_write(&settings, session))
        .await
}

async fn render_and_write(settings: &Settings, session: &Session) -> Result<Exit, Error> {
    let source = &settings.source;
    if !source.is_template() {
        session.progress.status(&format!("loading {source}"));
    }
    let mut definition = load(settings, &session.progress).await?;
    let mut before = definition.clone();
    before.strip_read_only();
    // A template's `${NAME}` without a value is left for another step,
    // like the other tools' placeholders: reported, refused by --strict.
    let mut context = settings.context.clone();
    let mut left = match context.vars.take() {
        Some(vars) => placeholders::fill(&mut definition, &vars),
        None => Vec::new(),
    };
    render(&mut definition, &settings.edits, &context)?;
    definition.strip_read_only();
    left.extend(foreign::find(&definition, Syntaxes::OtherTools));
    validate(&definition)?;
    report_left(session, &definition, left, settings.strict)?;

    let text = definition.to_json_string();
    let before_text = before.to_json_string();
    let diff = settings
        .diff
        .then(|| output::unified_diff(&before_text, &text, &source.to_string(), "rendered"));
    let family = definition.family().unwrap_or("task-definition").to_owned();
    let path = match (&settings.output, session.actions.runner_temp()) {
        (Some(path), _) => {
            output::write_atomically(path, &text)?;
            Some(path.clone())
        }
        (None, Some(dir)) => Some(output::write_new_file(dir, &family, &text)?),
        (None, None) => None,
    };
    session.progress.finish();
    if let Some(diff) = &diff {
        let _group = session.actions.group(&format!("diff against {source}"));
        eprint!("{}", if diff.is_empty() { "no change\n" } else { diff });
    }
    let rendered = Rendered {
        images: definition
            .images()
            .into_iter()
            .map(|(container, image)| Image { container, image })
            .collect(),
        changed: before_text != text,
        task_definition: (path.is_none() && session.json).then(|| definition.into_value()),
        path,
        source: source.to_string(),
        family,
        diff,
    };
    session.publish(&rendered)?;
    if rendered.path.is_none() && !session.json {
        output::write_stdout(&text)?;
    }
    Ok(Exit::OK)
}

/// Each placeholder left for another step: a warning pointing at the
/// source file, or with `--strict` the error that lists them all.
fn report_left(
    session: &Session,
    definition: &TaskDefinition,
    left: Vec<Foreign>,
    strict: bool,
) -> Result<(), Error> {
    let origin = definition.origin();
    if strict && !left.is_empty() {
        return Err(portfolio_taskdef::Error::Placeholders {
            origin: origin.to_owned(),
            found: left,
            registering: false,
        }
        .into());
    }
    let at = FileLocation::new(origin, None).filter(|at| at.file.is_file());
    for found in &left {
        session.warn_at(
            &format!(
                "{origin}: {}: {} is left for another step to fill (--strict refuses it; \
                 ecs-rolling-deploy does not register a definition that still has it)",
                found.field, found.placeholder
            ),
            at.as_ref(),
        );
    }
    Ok(())
}

async fn load(settings: &Settings, progress: &Progress) -> Result<TaskDefinition, Error> {
    match &settings.source {
        Source::File(path) | Source::Template(path) => {
            let origin = path.display().to_string();
            let read = if origin == "-" {
                std::io::read_to_string(std::io::stdin())
            } else {
                std::fs::read_to_string(path)
            };
            let text = read.map_err(|source| portfolio_taskdef::Error::Read {
                path: path.clone(),
                source,
            })?;
            Ok(TaskDefinition::parse(&text, &origin)?)
        }
        Source::Service { cluster, service } => {
            let ecs = Aws::connect(&settings.aws, progress).await.ecs();
            Ok(live::load_service(&ecs, cluster, service).await?)
        }
        Source::Family(family) => {
            let ecs = Aws::connect(&settings.aws, progress).await.ecs();
            Ok(live::load_family(&ecs, family).await?)
        }
    }
}
