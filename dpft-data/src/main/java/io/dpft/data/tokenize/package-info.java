/**
 * Tokenization with Hugging Face {@code tokenizer.json} files, loaded offline through DJL's
 * binding of the Rust {@code tokenizers} library: truncation to a maximum length, padding, sentence
 * pairs for NLI-style tasks and batch encoding, returned as plain Java records.
 */
package io.dpft.data.tokenize;
