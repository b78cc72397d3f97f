package io.istziio.client.data;

/**
 * Draws ranks 0..n-1 with probability proportional to {@code 1 / (rank + 1)^s}: rank 0 is the most
 * popular; {@code s = 0} is uniform. Exact for any {@code s >= 0}: the CDF is computed once and a
 * draw is a binary search, O(log n).
 */
public final class ZipfSampler {

  private final double[] cdf;

  public ZipfSampler(int n, double s) {
    if (n < 1) {
      throw new IllegalArgumentException("a Zipf distribution needs at least one rank, got " + n);
    }
    if (!(s >= 0) || Double.isInfinite(s)) {
      throw new IllegalArgumentException("the Zipf exponent must be a number >= 0, got " + s);
    }
    cdf = new double[n];
    double sum = 0;
    for (int k = 0; k < n; k++) {
      sum += Math.pow(k + 1, -s);
      cdf[k] = sum;
    }
    for (int k = 0; k < n; k++) {
      cdf[k] /= sum;
    }
    cdf[n - 1] = 1.0; // no rounding gap at the top
  }

  /** The rank for a uniform {@code u} in [0, 1): the first rank whose CDF exceeds {@code u}. */
  public int sample(double u) {
    int low = 0;
    int high = cdf.length - 1;
    while (low < high) {
      int mid = (low + high) >>> 1;
      if (cdf[mid] > u) {
        high = mid;
      } else {
        low = mid + 1;
      }
    }
    return low;
  }

  /** The probability of {@code rank}. */
  public double probability(int rank) {
    return rank == 0 ? cdf[0] : cdf[rank] - cdf[rank - 1];
  }
}
