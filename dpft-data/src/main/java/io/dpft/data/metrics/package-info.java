/**
 * Evaluation metrics, pure Java: classification (accuracy, binary and macro F1, Matthews
 * correlation, top-k accuracy) from a confusion matrix, and generation (corpus BLEU with multiple
 * references and sacreBLEU's defaults; ROUGE-L as in the E2E NLG challenge).
 */
package io.dpft.data.metrics;
