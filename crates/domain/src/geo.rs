//! placeholder until the geo module lands
