//! The logging macros: `vlog!` (a `-v` line, its arguments computed only under `-v`) and
//! `notice!` (a line the user always sees). Imported by path (`use crate::log::vlog;`), not
//! exported at the crate root, so that what uses them is visible like any other use; the
//! output itself is `term`'s.

macro_rules! vlog {
    // The check comes first so that the arguments (paths, chain descriptions) are only
    // computed under -v: the warm path pays nothing for its log lines.
    ($($arg:tt)*) => {
        if $crate::term::verbose_enabled() {
            $crate::term::verbose(format_args!($($arg)*))
        }
    };
}

macro_rules! notice {
    ($($arg:tt)*) => { $crate::term::notice(format_args!($($arg)*)) };
}

pub(crate) use notice;
pub(crate) use vlog;
