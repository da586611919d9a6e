//! How a long-running command tells its user what it is doing. The binary
//! implements [`Observer`] with messages on stderr and an `indicatif` bar;
//! tests use [`Silent`].

/// Receives progress from the library.
pub trait Observer {
    /// A step was done or is starting ("posted your dealing at leaf 7").
    fn step(&self, _message: &str) {}
    /// Waiting for others ("waiting for dealings from trustees 2, 5").
    fn waiting(&self, _message: &str) {}
    /// Leaves downloaded and checked so far, out of `total`.
    fn leaves(&self, _done: u64, _total: u64) {}
    /// Downloading is over.
    fn leaves_done(&self) {}
}

/// Says nothing.
#[derive(Clone, Copy, Debug, Default)]
pub struct Silent;

impl Observer for Silent {}
