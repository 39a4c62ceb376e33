//! The Daojia HTTP application: API, auth, web apps, background jobs.
