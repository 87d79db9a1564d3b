/**
 * The operator core: RoI Align, RoI Pool, their position-sensitive variants, multi-scale (FPN) RoI
 * Align and rotated RoI Align, in plain Java with no dependency beyond the JDK. A
 * {@link org.roifeatures.ops.FeatureMap} and an array of boxes go in; rows of C·PH·PW floats come
 * out.
 *
 * <h2>How a call travels</h2>
 * <ol>
 *   <li><b>Operator facades</b> — {@link org.roifeatures.ops.RoiAlign},
 *       {@link org.roifeatures.ops.RoiPool}, {@link org.roifeatures.ops.PsRoiAlign},
 *       {@link org.roifeatures.ops.PsRoiPool}, {@link org.roifeatures.ops.RoiAlignRotated},
 *       {@link org.roifeatures.ops.MultiScaleRoiAlign} (which assigns each box a level with
 *       {@link org.roifeatures.ops.LevelMapper} and calls RoI Align per level): check every argument
 *       ({@code Checks}, {@code BoxCheck}, {@code RotatedBoxCheck}) and hand validated input to the
 *       kernels. The allocating overloads share {@code NewOutput}. Framework conventions
 *       (torchvision, detectron2, mmdet, ONNX) are {@link org.roifeatures.ops.Semantics} presets of
 *       the parameters.</li>
 *   <li><b>The provider</b> — {@code RoiKernelsProvider} chooses once per JVM between vector and
 *       scalar code for everything that has both: the {@code RoiKernels} and the half-precision
 *       encoder behind {@link org.roifeatures.ops.HalfPrecision}. The vector classes live in the
 *       separate source root {@code src/main/java-panama} and are loaded by name
 *       ({@code PanamaLoader}) only when {@code jdk.incubator.vector} is present, so nothing else
 *       links against the incubator module.</li>
 *   <li><b>Kernels</b> — {@code DefaultRoiKernels} (scalar, CHW maps, one channel plane at a time)
 *       and {@code PanamaRoiKernels} ({@code PanamaAlign}, {@code PanamaPool}: channel vectors over
 *       channels-last maps in blocks of one pass's channels, see
 *       {@link org.roifeatures.ops.FeatureMap#toChannelBlocks}). Both give the same bits for the same
 *       summation order; {@link org.roifeatures.ops.RoiAlign#prepare} converts a map once for many
 *       calls.</li>
 *   <li><b>Sample plans</b> — {@code SamplePlan} (axis-aligned) and {@code RotatedSamplePlan} build,
 *       once per RoI and shared by every channel, the bilinear sample points and weights that the
 *       kernels read ({@code BinSamples}); reused from RoI to RoI, so the steady state allocates
 *       nothing.</li>
 * </ol>
 *
 * <p>Everything here is thread-safe: facades and kernels hold no mutable state; per-thread scratch
 * space is the kernels' own.
 */
package org.roifeatures.ops;
