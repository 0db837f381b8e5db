//! The HTTP server loop: serves the router, ticks the model, and closes and reopens the
//! listener for pauses.
//!
//! A pause really closes the listening socket (and, through axum's graceful shutdown, idle
//! keep-alive connections), so clients get "connection refused" until it reopens on the
//! same address.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::routing::{get, post};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::mpsc::UnboundedReceiver;
use tokio::time::Instant;

use crate::admin;
use crate::api::dispatch;
use crate::plane::Reporter;
use crate::shared::{Control, Shared};

/// The router: admin endpoints, and every other request to the API dispatcher.
pub fn router(shared: Arc<Shared>) -> Router {
    Router::new()
        .route("/__admin/health", get(admin::health))
        .route("/__admin/pause", post(admin::pause))
        .route("/__admin/throttle", post(admin::throttle))
        .route("/__admin/image-digests", post(admin::image_digest))
        .route("/__admin/consistency-delay", post(admin::consistency_delay))
        .fallback(dispatch::handle)
        .with_state(shared)
}

/// Serve on `listener` until told to shut down.
pub async fn run(
    shared: Arc<Shared>,
    listener: std::net::TcpListener,
    mut control: UnboundedReceiver<Control>,
    tick: Duration,
) {
    let Ok(addr) = listener.local_addr() else {
        return;
    };
    let ticker = tokio::spawn(tick_loop(Arc::clone(&shared), tick));
    let app = router(Arc::clone(&shared));
    let mut listener = TcpListener::from_std(listener).ok();
    while let Some(l) = listener.take() {
        let (stop_tx, stop_rx) = tokio::sync::oneshot::channel::<()>();
        let server = axum::serve(l, app.clone()).with_graceful_shutdown(async move {
            let _ = stop_rx.await;
        });
        tokio::spawn(async move {
            if let Err(e) = server.await {
                tracing::warn!(error = %e, "server stopped");
            }
        });
        let Some(Control::Pause(duration, ack)) = control.recv().await else {
            let _ = stop_tx.send(());
            break;
        };
        let mut until = Instant::now() + duration;
        let _ = stop_tx.send(());
        wait_closed(addr).await;
        if let Some(ack) = ack {
            let _ = ack.send(());
        }
        tracing::info!(?duration, "paused: listener closed");
        loop {
            tokio::select! {
                () = tokio::time::sleep_until(until) => break,
                cmd = control.recv() => match cmd {
                    Some(Control::Pause(more, ack)) => {
                        until = until.max(Instant::now() + more);
                        if let Some(ack) = ack { let _ = ack.send(()); }
                    }
                    Some(Control::Shutdown) | None => {
                        stop(&shared, &ticker).await;
                        return;
                    }
                },
            }
        }
        listener = rebind(addr).await;
        tracing::info!("resumed: listening again");
    }
    stop(&shared, &ticker).await;
}

async fn tick_loop(shared: Arc<Shared>, tick: Duration) {
    let mut interval = tokio::time::interval(tick.max(Duration::from_millis(1)));
    interval.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let reporter = Reporter::new(&shared);
    loop {
        interval.tick().await;
        let now = shared.clock.now();
        let orders = {
            let mut model = shared.lock();
            model.advance(now);
            model.take_orders(shared.clock.scale())
        };
        if let Some(plane) = &shared.plane {
            for order in orders {
                plane.submit(order, reporter.clone());
            }
        }
    }
}

/// Stop the ticker, then let the data plane release what it holds.
async fn stop(shared: &Shared, ticker: &tokio::task::JoinHandle<()>) {
    ticker.abort();
    if let Some(plane) = &shared.plane {
        plane.shutdown().await;
    }
}

fn probe_addr(addr: SocketAddr) -> SocketAddr {
    match addr.ip() {
        IpAddr::V4(ip) if ip.is_unspecified() => {
            SocketAddr::new(IpAddr::V4(Ipv4Addr::LOCALHOST), addr.port())
        }
        IpAddr::V6(ip) if ip.is_unspecified() => {
            SocketAddr::new(IpAddr::V6(Ipv6Addr::LOCALHOST), addr.port())
        }
        _ => addr,
    }
}

/// Wait (up to about 2 s) until connecting to `addr` is refused.
async fn wait_closed(addr: SocketAddr) {
    let target = probe_addr(addr);
    for _ in 0..200 {
        if TcpStream::connect(target).await.is_err() {
            return;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

/// Bind `addr` again, retrying for a few seconds while the old socket goes away.
async fn rebind(addr: SocketAddr) -> Option<TcpListener> {
    for _ in 0..100 {
        match TcpListener::bind(addr).await {
            Ok(l) => return Some(l),
            Err(e) => {
                tracing::debug!(error = %e, "rebind failed, retrying");
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
        }
    }
    tracing::error!(%addr, "cannot listen again after pause");
    None
}
