/**
 * Table-to-text data: the E2E NLG challenge CSV files (Novikova, Dušek and Rieser, 2017, "The E2E
 * Dataset: New Challenges For End-to-End Generation", SIGDIAL), meaning representations parsed
 * into slots, references grouped per input for multi-reference evaluation, and the linearised
 * table prompt a causal LM is fine-tuned on.
 */
package io.dpft.data.datasets.table;
