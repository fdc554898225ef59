/**
 * Examples, datasets and label vocabularies shared by every reader, and the row sources (CSV,
 * JSON / JSON Lines, TSV) that locate each value by file, line and column so that a malformed row
 * is reported where it is. Readers for each kind of data live in the sub-packages {@code text},
 * {@code table}, {@code image}; datasets fetched on first use live in {@code builtin}.
 */
package io.dpft.data.datasets;
