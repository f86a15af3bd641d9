//! The usbmuxd daemon as hosts see it: device list and events, pair record storage, and Connect,
//! which turns a client socket into a byte pipe to a device port.

pub mod codec;
pub mod server;
