//! Trace spun copies to their sources.
