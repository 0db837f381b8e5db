use std::net::{SocketAddr, TcpStream};
use std::time::Duration;

use portfolio_testkit::Moto;

#[test]
fn moto_answers_and_stops_with_its_handle() {
    let moto = Moto::start().unwrap();
    let addr: SocketAddr = moto
        .endpoint()
        .trim_start_matches("http://")
        .parse()
        .unwrap();
    assert!(addr.ip().is_loopback());
    assert!(TcpStream::connect_timeout(&addr, Duration::from_secs(1)).is_ok());
    let env = moto.env();
    assert!(env.contains(&("AWS_ENDPOINT_URL", moto.endpoint().to_owned())));
    drop(moto);
    std::thread::sleep(Duration::from_millis(200));
    assert!(TcpStream::connect_timeout(&addr, Duration::from_secs(1)).is_err());
}
