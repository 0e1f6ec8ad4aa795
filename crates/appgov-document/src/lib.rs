//! A format-neutral report document and its HTML and XLSX renderings.
//!
//! Reports (the compliance matrix, the yearly mobile-app risk assessment,
//! the ledger in a regulator's shape) are built once as a [`Document`] —
//! headings, paragraphs, key/value lists, notes, tables whose cells carry a
//! [`Tone`], summary figures, bar charts — and rendered by [`to_html`],
//! [`to_xlsx`] and, in `appgov-pdf`, as PDF. Text is always plain data:
//! no renderer interprets markup from it.
//!
//! Pure: no I/O and no clock; the generation time is passed in already
//! formatted.

mod html;
mod model;
mod xlsx;

pub use html::{escape, to_html};
pub use model::{
    BarChart, Block, Cell, Column, Document, Field, Figure, Language, Orientation, Series, Table,
    Tone, safe_link,
};
pub use xlsx::{XlsxError, to_xlsx};
