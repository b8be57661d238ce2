//! The samples as Apache Parquet: the same columns as the CSV, typed
//! (the path an INT64, a churn month a nullable INT32, every other value a
//! DOUBLE), so pandas, polars, DuckDB and Spark read them without parsing
//! text and a billion-path file takes a fraction of the space.
//!
//! Blocks arrive in path order and are gathered into row groups of about
//! [`ROW_GROUP_BYTES`] of values, so memory holds one row group whatever
//! the number of paths. Dictionary encoding is off: drawn values hardly
//! ever repeat, and the dictionary would only be thrown away. Values are
//! compressed with snappy, which every Parquet reader has.

use std::io::{self, Write};
use std::sync::Arc;

use parquet::basic::{Compression, Repetition, Type as Physical};
use parquet::data_type::{DoubleType, Int32Type, Int64Type};
use parquet::errors::ParquetError;
use parquet::file::metadata::KeyValue;
use parquet::file::properties::WriterProperties;
use parquet::file::writer::SerializedFileWriter;
use parquet::schema::types::Type;

use super::{BlockColumns, ColumnKind, Layout};
use crate::engine::RunOptions;
use crate::rng::BLOCK_PATHS;

/// About how many bytes of values a row group holds before it is written:
/// large enough that readers scan it fast, small enough that a scenario of
/// thousands of streams still fits in memory.
const ROW_GROUP_BYTES: usize = 64 << 20;

/// The most paths a row group holds, however few the columns.
const ROW_GROUP_MAX_PATHS: usize = 1 << 17;

/// A Parquet file being written, a row group at a time.
pub(crate) struct Writer<'w> {
    file: SerializedFileWriter<&'w mut (dyn Write + Send)>,
    kinds: Vec<ColumnKind>,
    /// Blocks not yet in a row group.
    pending: Vec<BlockColumns>,
    pending_paths: usize,
    /// Paths a row group gathers before it is written.
    group_paths: usize,
}

impl<'w> Writer<'w> {
    /// Starts the file: its schema, from the layout's columns, and in its
    /// footer the engine, seed and paths, so that a file says what made it.
    pub fn new(
        layout: &Layout,
        options: &RunOptions,
        out: &'w mut (dyn Write + Send),
    ) -> io::Result<Self> {
        let columns = layout.typed_columns();
        let fields = columns
            .iter()
            .map(|(name, kind)| {
                let (physical, repetition) = match kind {
                    ColumnKind::Path => (Physical::INT64, Repetition::REQUIRED),
                    ColumnKind::Month => (Physical::INT32, Repetition::OPTIONAL),
                    ColumnKind::Value => (Physical::DOUBLE, Repetition::REQUIRED),
                };
                Type::primitive_type_builder(name, physical)
                    .with_repetition(repetition)
                    .build()
                    .map(Arc::new)
            })
            .collect::<Result<Vec<_>, _>>()
            .map_err(to_io)?;
        let schema = Type::group_type_builder("paths")
            .with_fields(fields)
            .build()
            .map_err(to_io)?;
        let version = env!("CARGO_PKG_VERSION");
        let metadata = vec![
            KeyValue::new("revsim.version".to_string(), version.to_string()),
            KeyValue::new("revsim.seed".to_string(), options.seed.to_string()),
            KeyValue::new("revsim.paths".to_string(), options.paths.to_string()),
        ];
        let properties = WriterProperties::builder()
            .set_created_by(format!("revsim {version}"))
            .set_compression(Compression::SNAPPY)
            .set_dictionary_enabled(false)
            .set_key_value_metadata(Some(metadata))
            .build();
        let file = SerializedFileWriter::new(out, Arc::new(schema), Arc::new(properties))
            .map_err(to_io)?;
        let row_bytes = 8 * columns.len().max(1);
        let blocks = (ROW_GROUP_BYTES / row_bytes / BLOCK_PATHS).max(1);
        Ok(Writer {
            file,
            kinds: columns.into_iter().map(|(_, kind)| kind).collect(),
            pending: Vec::new(),
            pending_paths: 0,
            group_paths: (blocks * BLOCK_PATHS).min(ROW_GROUP_MAX_PATHS),
        })
    }

    /// Takes the next block in path order; writes a row group once enough
    /// are gathered.
    pub fn push(&mut self, block: BlockColumns) -> io::Result<()> {
        self.pending_paths += block.rows();
        self.pending.push(block);
        if self.pending_paths >= self.group_paths {
            self.write_group()?;
        }
        Ok(())
    }

    /// Writes what is left and the footer; the file is whole only then.
    pub fn finish(mut self) -> io::Result<()> {
        if !self.pending.is_empty() {
            self.write_group()?;
        }
        self.file.close().map_err(to_io)?;
        Ok(())
    }

    /// Writes the gathered blocks as one row group, a column at a time.
    fn write_group(&mut self) -> io::Result<()> {
        let blocks = std::mem::take(&mut self.pending);
        self.pending_paths = 0;
        let mut group = self.file.next_row_group().map_err(to_io)?;
        // Columns come in layout order: the path, the inputs, the churn
        // months, the revenues; `Value` columns are the inputs first, then
        // the revenues.
        let n_inputs = blocks.first().map_or(0, |b| b.inputs.len());
        let (mut value, mut month) = (0, 0);
        for kind in &self.kinds {
            let mut column = group
                .next_column()
                .map_err(to_io)?
                .ok_or_else(|| io::Error::other("the Parquet schema has fewer columns"))?;
            match kind {
                ColumnKind::Path => {
                    let writer = column.typed::<Int64Type>();
                    for b in &blocks {
                        let first = b.first as i64;
                        let paths: Vec<i64> = (0..b.rows() as i64).map(|p| first + p).collect();
                        writer.write_batch(&paths, None, None).map_err(to_io)?;
                    }
                }
                ColumnKind::Month => {
                    let writer = column.typed::<Int32Type>();
                    for b in &blocks {
                        let months = &b.churn[month];
                        let present: Vec<i32> = months.iter().flatten().copied().collect();
                        let levels: Vec<i16> =
                            months.iter().map(|m| i16::from(m.is_some())).collect();
                        writer
                            .write_batch(&present, Some(&levels), None)
                            .map_err(to_io)?;
                    }
                    month += 1;
                }
                ColumnKind::Value => {
                    let writer = column.typed::<DoubleType>();
                    for b in &blocks {
                        let values = if value < n_inputs {
                            &b.inputs[value]
                        } else {
                            &b.revenue[value - n_inputs]
                        };
                        writer.write_batch(values, None, None).map_err(to_io)?;
                    }
                    value += 1;
                }
            }
            column.close().map_err(to_io)?;
        }
        group.close().map_err(to_io)?;
        Ok(())
    }
}

/// A Parquet failure as the I/O error the samples writer reports; a
/// failed write underneath keeps its own kind and message.
fn to_io(e: ParquetError) -> io::Error {
    match e {
        ParquetError::External(inner) => match inner.downcast::<io::Error>() {
            Ok(io) => *io,
            Err(other) => io::Error::other(other),
        },
        other => io::Error::other(other),
    }
}
