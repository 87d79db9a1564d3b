package org.roifeatures.ops;

/**
 * How RoI Align reduces the bilinear samples of one output bin to one value.
 *
 * <p>torchvision only has {@link #AVG}. The two max definitions differ, and both are in use:
 * <ul>
 *   <li>{@link #MAX}: interpolate each sample point, then take the largest interpolated value
 *       (mmcv's {@code pool_mode='max'}, BigDL). Samples outside the map count as 0.</li>
 *   <li>{@link #ONNX_MAX}: for each sample point take the largest of its four <em>weighted</em> corner
 *       terms {@code w_i·v_i}, then the largest over the samples (ONNX RoiAlign {@code mode='max'} as
 *       onnxruntime computes it). This is not a max of interpolated values.</li>
 * </ul>
 * Example: one sample halfway between corner values 2 and 4 (weights 0.5 and 0.5). {@code MAX} gives
 * the interpolated 3; {@code ONNX_MAX} gives max(0.5·2, 0.5·4) = 2.
 */
public enum PoolingMode {
  /** Mean of the interpolated samples (torchvision, detectron2, ONNX {@code avg}). */
  AVG,
  /** Max of the interpolated samples (mmcv / BigDL definition). */
  MAX,
  /** Max over samples of the max weighted corner term (ONNX RoiAlign / onnxruntime definition). */
  ONNX_MAX
}
