package io.istziio.ring;

import com.google.common.hash.Hashing;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * An immutable member set and the placement it implies: for every path, an ordered list of owners
 * (the primary, then the replicas), computed locally and identically by every node and client.
 *
 * <p>Placement is weighted rendezvous hashing (HRW): each member scores each path, and the owners
 * are the highest scores. Removing a member moves only the paths it owned; adding one takes about
 * 1/N of the paths, from every member alike; a member's share is proportional to its weight. The
 * score of member m for path p is {@code w(m) / -ln(u)}, where {@code u} in (0, 1) comes from
 * {@code fmix64(murmur3_128(p) ^ murmur3_128(m.id))}; both hashes take the first 64 bits of
 * Murmur3 x64 128 (seed 0) of the UTF-8 bytes, so another language can compute the same placement.
 *
 * <p>Members of equal weight rank by {@code u} alone, so a lookup computes one 64-bit mix per member
 * and takes logarithms only to compare the best few of each weight class.
 */
public final class RingView {

  private final long epoch;
  private final List<Member> members;
  private final Map<String, Member> byId;
  /** Members grouped by weight, with their hash seeds, for the lookup. */
  private final WeightClass[] classes;

  private record WeightClass(int weight, Member[] members, long[] seeds) {}

  private RingView(long epoch, Collection<Member> members) {
    this.epoch = epoch;
    this.members = members.stream().sorted(Comparator.comparing(Member::id)).toList();
    this.byId = this.members.stream().collect(Collectors.toUnmodifiableMap(Member::id, Function.identity()));
    if (byId.size() != this.members.size()) {
      throw new IllegalArgumentException("member ids must be unique: " + members);
    }
    Map<Integer, List<Member>> grouped = new TreeMap<>(this.members.stream()
        .collect(Collectors.groupingBy(Member::weight)));
    List<WeightClass> built = new ArrayList<>();
    grouped.forEach((weight, group) -> built.add(new WeightClass(weight,
        group.toArray(Member[]::new), group.stream().mapToLong(m -> hash(m.id())).toArray())));
    this.classes = built.toArray(WeightClass[]::new);
  }

  public static RingView of(long epoch, Collection<Member> members) {
    return new RingView(epoch, members);
  }

  public static RingView empty() {
    return new RingView(0, List.of());
  }

  /**
   * Identifies this member set: Redis membership bumps it with every announced change (it restarts
   * from 0 if Redis loses its data), so it tells views apart rather than orders them strictly.
   */
  public long epoch() {
    return epoch;
  }

  /** The members, ordered by id. */
  public List<Member> members() {
    return members;
  }

  public Member member(String id) {
    return byId.get(id);
  }

  public boolean isEmpty() {
    return members.isEmpty();
  }

  /** The member that owns {@code path}, or null in an empty view. */
  public Member primary(String path) {
    List<Member> owners = owners(path, 1);
    return owners.isEmpty() ? null : owners.get(0);
  }

  /**
   * The {@code count} members that hold {@code path}, best first: the primary, then its replicas.
   * Fewer if the view has fewer members.
   */
  public List<Member> owners(String path, int count) {
    int wanted = Math.min(count, members.size());
    if (wanted <= 0) {
      return List.of();
    }
    long key = hash(path);
    Member[] best = new Member[wanted];
    double[] bestScores = new double[wanted];
    int found = 0;
    for (WeightClass weightClass : classes) {
      // Within a weight class the order of u is the order of the score: keep the top u's only.
      Member[] top = new Member[wanted];
      long[] topU = new long[wanted];
      int kept = 0;
      Member[] group = weightClass.members();
      long[] seeds = weightClass.seeds();
      for (int i = 0; i < group.length; i++) {
        long u = fmix64(key ^ seeds[i]) >>> 11; // 53 bits, compared unsigned
        if (kept < wanted || u > topU[kept - 1]) {
          int at = kept < wanted ? kept++ : kept - 1;
          while (at > 0 && topU[at - 1] < u) {
            topU[at] = topU[at - 1];
            top[at] = top[at - 1];
            at--;
          }
          topU[at] = u;
          top[at] = group[i];
        }
      }
      for (int i = 0; i < kept; i++) {
        double score = classes.length == 1 ? topU[i] : score(weightClass.weight(), topU[i]);
        found = insert(best, bestScores, found, top[i], score);
      }
    }
    return List.of(best).subList(0, found);
  }

  private static int insert(Member[] best, double[] scores, int found, Member member, double score) {
    if (found == best.length && score <= scores[found - 1]) {
      return found;
    }
    int at = found < best.length ? found++ : found - 1;
    while (at > 0 && scores[at - 1] < score) {
      scores[at] = scores[at - 1];
      best[at] = best[at - 1];
      at--;
    }
    scores[at] = score;
    best[at] = member;
    return found;
  }

  /** w / -ln(u) with u in (0, 1): the weighted rendezvous score. */
  private static double score(int weight, long u53) {
    double u = (u53 + 0.5) / (1L << 53);
    return weight / -Math.log(u);
  }

  /** The first 64 bits of Murmur3 x64 128 of the UTF-8 bytes, seed 0. */
  static long hash(String text) {
    return Hashing.murmur3_128().hashString(text, StandardCharsets.UTF_8).asLong();
  }

  /** Murmur3's 64-bit finalizer: every input bit affects every output bit. */
  static long fmix64(long k) {
    k ^= k >>> 33;
    k *= 0xff51afd7ed558ccdL;
    k ^= k >>> 33;
    k *= 0xc4ceb9fe1a85ec53L;
    k ^= k >>> 33;
    return k;
  }

  @Override
  public String toString() {
    return "RingView{epoch=" + epoch + ", members=" + members + "}";
  }
}
