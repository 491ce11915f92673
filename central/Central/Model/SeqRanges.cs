using System.Globalization;
using System.Text;

namespace City.Central.Model;

/// <summary>
/// The committed seqs of one gateway as sorted, disjoint, non-adjacent [from, to] intervals. A gateway
/// that sends without gaps costs a single interval, whatever its history.
/// </summary>
internal sealed class SeqRanges
{
    private readonly List<(ulong From, ulong To)> _ranges;

    public SeqRanges()
    {
        _ranges = [];
    }

    private SeqRanges(List<(ulong From, ulong To)> ranges)
    {
        _ranges = ranges;
    }

    public int Count => _ranges.Count;

    public IReadOnlyList<(ulong From, ulong To)> Ranges => _ranges;

    /// <summary>Builds the set from stored intervals, in any order, overlapping or not.</summary>
    public static SeqRanges From(IEnumerable<(ulong From, ulong To)> intervals)
    {
        ArgumentNullException.ThrowIfNull(intervals);
        var set = new SeqRanges();
        foreach (var (from, to) in intervals)
        {
            set.AddRange(Math.Min(from, to), Math.Max(from, to));
        }

        return set;
    }

    public SeqRanges Clone() => new([.. _ranges]);

    public bool Contains(ulong seq)
    {
        var index = FindLastStartingAtOrBefore(seq);
        return index >= 0 && _ranges[index].To >= seq;
    }

    /// <summary>Adds one seq; false when it was already there.</summary>
    public bool Add(ulong seq)
    {
        if (Contains(seq))
        {
            return false;
        }

        AddRange(seq, seq);
        return true;
    }

    /// <summary>"1-1200,1205,1207-1300"; empty when nothing was committed.</summary>
    public override string ToString()
    {
        var text = new StringBuilder();
        foreach (var (from, to) in _ranges)
        {
            if (text.Length > 0)
            {
                text.Append(',');
            }

            text.Append(from.ToString(CultureInfo.InvariantCulture));
            if (to != from)
            {
                text.Append('-').Append(to.ToString(CultureInfo.InvariantCulture));
            }
        }

        return text.ToString();
    }

    private void AddRange(ulong from, ulong to)
    {
        // Fast path: the next seq of a gateway that sends in order extends the last interval.
        if (_ranges.Count > 0)
        {
            var last = _ranges[^1];
            if (from > last.To)
            {
                if (from == last.To + 1)
                {
                    _ranges[^1] = (last.From, to);
                }
                else
                {
                    _ranges.Add((from, to));
                }

                return;
            }
        }

        // General case: merge every interval that overlaps or touches [from, to].
        var index = FindLastStartingAtOrBefore(from);
        var start = index;
        if (start < 0 || (_ranges[start].To < from && _ranges[start].To + 1 < from))
        {
            start++;
        }

        var end = start;
        var mergedFrom = from;
        var mergedTo = to;
        while (end < _ranges.Count && (_ranges[end].From <= to || _ranges[end].From - 1 <= to))
        {
            mergedFrom = Math.Min(mergedFrom, _ranges[end].From);
            mergedTo = Math.Max(mergedTo, _ranges[end].To);
            end++;
        }

        _ranges.RemoveRange(start, end - start);
        _ranges.Insert(start, (mergedFrom, mergedTo));
    }

    /// <summary>Index of the last interval whose start is at most <paramref name="seq"/>, or -1.</summary>
    private int FindLastStartingAtOrBefore(ulong seq)
    {
        int low = 0, high = _ranges.Count - 1, found = -1;
        while (low <= high)
        {
            var middle = low + ((high - low) / 2);
            if (_ranges[middle].From <= seq)
            {
                found = middle;
                low = middle + 1;
            }
            else
            {
                high = middle - 1;
            }
        }

        return found;
    }
}
