//! Matching, scoring and route planning (VRPTW solver) over plain data.

pub mod day;
pub mod matching;
pub mod vrp;
