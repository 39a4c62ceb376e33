//! Pure business rules of Daojia: ids, money, geo, order states, personal-information types.
