//! End-to-end tests of what users consume: the setup action's installer,
//! the composite actions and the workflows.

mod setup_action;
