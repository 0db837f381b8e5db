//! Renders from the live ECS API of moto_server.
