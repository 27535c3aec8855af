//! Who is signed in: users, argon2id passwords and sessions (`users`) and the sign-in
//! throttle's counts (`throttle`).

pub(crate) mod throttle;
pub(crate) mod users;
