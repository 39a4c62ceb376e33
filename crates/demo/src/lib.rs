//! The deterministic demo city (Shanghai) for Daojia.
