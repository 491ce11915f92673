using System.Globalization;
using System.Text;

namespace City.Edge.Buffer;

/// <summary>
/// A small file next to the buffer (<c>buffer.db.mark</c>) holding how far the buffer had got: its id, its epoch and its
/// next seq, written at every start and at every clean stop. A buffer file older than its mark (the same id, but a lower
/// epoch, or the same epoch and a lower next seq) has gone back in time: a backup restored over it, or an old copy. Its
/// seqs from there on were already published once with other content, so its new batches must carry a new buffer id.
/// A restored disk image brings back its mark too: that case stays unseen here.
/// </summary>
internal sealed record BufferMark(string BufferId, ulong Epoch, ulong NextSeq)
{
    public static string PathOf(string bufferPath) => bufferPath + ".mark";

    /// <summary>The mark, or null when there is none or it cannot be read (then nothing can be compared).</summary>
    public static BufferMark? TryRead(string bufferPath)
    {
        string text;
        try
        {
            text = File.ReadAllText(PathOf(bufferPath), Encoding.ASCII);
        }
        catch (FileNotFoundException)
        {
            return null;
        }

        var parts = text.Split(' ', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        return parts.Length == 3
            && ulong.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var epoch)
            && ulong.TryParse(parts[2], NumberStyles.None, CultureInfo.InvariantCulture, out var nextSeq)
            ? new BufferMark(parts[0], epoch, nextSeq)
            : null;
    }

    /// <summary>True when a buffer whose stored meta says (<paramref name="storedEpoch"/>, <paramref name="nextSeq"/>) is older than this mark.</summary>
    public bool IsAheadOf(string bufferId, ulong storedEpoch, ulong nextSeq) =>
        string.Equals(BufferId, bufferId, StringComparison.Ordinal)
        && (storedEpoch < Epoch || (storedEpoch == Epoch && nextSeq < NextSeq));

    /// <summary>Writes the mark through a temporary file and a rename, flushed, so a crash leaves the old or the new one.</summary>
    public void Write(string bufferPath)
    {
        var path = PathOf(bufferPath);
        var temporary = path + ".tmp";
        using (var stream = new FileStream(temporary, FileMode.Create, FileAccess.Write, FileShare.None))
        {
            stream.Write(Encoding.ASCII.GetBytes(string.Create(CultureInfo.InvariantCulture, $"{BufferId} {Epoch} {NextSeq}\n")));
            stream.Flush(flushToDisk: true);
        }

        File.Move(temporary, path, overwrite: true);
    }
}
