//! render-taskdef: render an ECS task definition from a template, a file or
//! the live service, with images, environment, secrets, logs, labels,
//! command, cpu/memory, roles and tags changed, validated before anything
//! is written.
//!
//! The library is what other tools reuse (ecs-rolling-deploy deploys the
//! live definition with new images through it):
//!
//! ```text
//! let mut definition = live::load_service(&client, "portfolio-dev", "backend").await?;
//! render(&mut definition, &Edits::new().image(uri), &Context::default())?;
//! validate(&definition)?;
//! let arn = live::register_task_definition(&client, &definition).await?;
//! ```
//!
//! [`TaskDefinition`] keeps the document as ordered JSON, so every field
//! that is not edited stays as it is and where it is. Only [`live`] calls AWS.

pub mod cli;
pub mod edits;
pub mod error;
pub mod live;
pub mod output;
pub mod placeholders;
pub mod reference;
pub mod render;
pub mod run;
pub mod taskdef;
pub mod validate;

pub use edits::{Edits, Pair, Target};
pub use error::RenderError;
pub use render::{Context, LogDefaults, render};
pub use run::run;
pub use taskdef::{READ_ONLY_FIELDS, TaskDefinition};
pub use validate::validate;
