//! lockdownd, the device's front door on port 62078: identity values, pairing with the trust
//! prompt, TLS sessions and starting services.

pub mod codec;
pub mod server;
