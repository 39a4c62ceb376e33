//! Notification providers for Daojia: SMS and friends.
