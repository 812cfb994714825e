//! The catalogue of dashboard widgets.
