//! ECS task definitions, shared by render-taskdef and ecs-rolling-deploy.
//!
//! [`TaskDefinition`] ([`model`]) keeps the document as ordered JSON, so
//! every field that is not edited stays as it is and where it is. [`edits`]
//! says what to change, [`placeholders`] fills a template's `${NAME}`s,
//! [`render()`] applies both, [`validate()`] checks the result as ECS would
//! ([`reference`] checks image references), and [`live`] is the only part
//! that calls AWS: it reads a service's or a family's definition and
//! registers one, as [`TaskDefinition::to_register`] prepares it ([`empty`]
//! values dropped, [`foreign`] placeholders refused).
//!
//! ```text
//! let mut definition = live::load_service(&client, "portfolio-dev", "backend").await?;
//! render(&mut definition, &Edits::new().image(uri), &Context::default())?;
//! validate(&definition)?;
//! let arn = live::register_task_definition(&client, &definition, &KeepKeys::none()).await?;
//! ```

#![deny(missing_docs)]

pub mod edits;
pub mod empty;
pub mod error;
pub mod foreign;
pub mod live;
pub mod model;
pub mod placeholders;
pub mod reference;
pub mod render;
pub mod validate;

pub use edits::{Edits, Pair, Target};
pub use empty::KeepKeys;
pub use error::Error;
pub use model::{READ_ONLY_FIELDS, TaskDefinition};
pub use render::{Context, LogDefaults, render};
pub use validate::validate;
