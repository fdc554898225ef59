/**
 * Image classification readers: CIFAR-10/100 binary batches, IDX files (MNIST, Fashion-MNIST;
 * raw or gzip) and folders of images ({@code class/xxx.png}) via ImageIO. Images are kept as
 * 8-bit CHW bytes at their own size and turned into a model's input (resize to {@code
 * image_size}, channel conversion, mean/std normalisation, float CHW) by an {@link
 * ImageTransform} when an example is taken, so a dataset costs one byte per pixel. {@link
 * ImageFiles} picks the reader for a path from its content.
 */
package io.dpft.data.datasets.image;
