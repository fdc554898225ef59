/**
 * Text classification readers: CSV and JSON / JSON Lines with configurable text, text-pair and
 * label columns, and GLUE's TSV files with each task's standard columns and labels.
 */
package io.dpft.data.datasets.text;
