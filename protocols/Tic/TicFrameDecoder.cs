namespace City.Protocols.Tic;

/// <summary>
/// Cuts the endless byte stream of a TIC output into frames. Feed it whatever the line delivers, in pieces of any size;
/// it keeps the partial frame between calls. Bytes are taken on 7 bits (a parity bit that reaches the reader is dropped).
/// Everything before the first STX is skipped (a reader joins mid-frame). A group with a bad checksum or a malformed one
/// is dropped and counted, never the frame. EOT, or an STX before the ETX, ends the frame as interrupted. Never throws on
/// any input. Not thread-safe: one reader.
/// </summary>
public sealed class TicFrameDecoder(TicMode? mode = null)
{
    /// <summary>Longest frame kept; a stream that never sends ETX does not grow memory (standard frames are ~1 KB).</summary>
    public const int MaxGroupsPerFrame = 256;

    private readonly byte[] _group = new byte[TicGroupCodec.MaxBodyLength + 1];
    private readonly List<TicGroup> _groups = [];
    private int _groupLength = -1;
    private bool _inFrame;
    private int _badChecksums;
    private int _malformed;
    private int _standardGroups;
    private int _historicGroups;

    /// <summary>The configured mode, or null: each group's mode is told by its separator.</summary>
    public TicMode? Mode { get; } = mode;

    /// <summary>Groups dropped for a bad checksum since the decoder was made.</summary>
    public long TotalBadChecksums { get; private set; }

    /// <summary>Groups dropped as malformed since the decoder was made.</summary>
    public long TotalMalformedGroups { get; private set; }

    /// <summary>Whole frames (ETX seen) since the decoder was made.</summary>
    public long Frames { get; private set; }

    /// <summary>Frames cut by EOT or a new STX.</summary>
    public long InterruptedFrames { get; private set; }

    /// <summary>Feeds received bytes; returns the frames they completed (usually none or one).</summary>
    public IReadOnlyList<TicFrame> Feed(ReadOnlySpan<byte> received)
    {
        List<TicFrame>? done = null;
        foreach (byte raw in received)
        {
            byte b = (byte)(raw & TicChars.DataMask);
            switch (b)
            {
                case TicChars.STX:
                    if (_inFrame)
                    {
                        (done ??= []).Add(EndFrame(interrupted: true));
                    }

                    StartFrame();
                    break;
                case TicChars.ETX when _inFrame:
                    (done ??= []).Add(EndFrame(interrupted: false));
                    break;
                case TicChars.EOT when _inFrame:
                    (done ??= []).Add(EndFrame(interrupted: true));
                    break;
                case TicChars.LF when _inFrame:
                    DropOpenGroup();
                    _groupLength = 0;
                    break;
                case TicChars.CR when _inFrame && _groupLength >= 0:
                    EndGroup();
                    break;
                default:
                    if (_inFrame && _groupLength >= 0)
                    {
                        if (_groupLength == _group.Length)
                        {
                            _malformed++;
                            _groupLength = -1;
                        }
                        else
                        {
                            _group[_groupLength++] = b;
                        }
                    }

                    break;
            }
        }

        return done ?? (IReadOnlyList<TicFrame>)[];
    }

    private void StartFrame()
    {
        _inFrame = true;
        _groups.Clear();
        _groupLength = -1;
        _badChecksums = 0;
        _malformed = 0;
        _standardGroups = 0;
        _historicGroups = 0;
    }

    private void DropOpenGroup()
    {
        if (_groupLength >= 0)
        {
            _malformed++;
            _groupLength = -1;
        }
    }

    private void EndGroup()
    {
        TicGroupError error = TicGroupCodec.TryDecode(_group.AsSpan(0, _groupLength), Mode, out TicGroup? group, out TicMode groupMode);
        _groupLength = -1;
        switch (error)
        {
            case TicGroupError.None when _groups.Count < MaxGroupsPerFrame:
                _groups.Add(group!);
                if (groupMode == TicMode.Standard)
                {
                    _standardGroups++;
                }
                else
                {
                    _historicGroups++;
                }

                break;
            case TicGroupError.BadChecksum:
                _badChecksums++;
                break;
            default:
                _malformed++;
                break;
        }
    }

    private TicFrame EndFrame(bool interrupted)
    {
        DropOpenGroup();
        _inFrame = false;
        TicMode frameMode = Mode ?? (_standardGroups > _historicGroups ? TicMode.Standard : TicMode.Historic);
        var frame = new TicFrame(frameMode, [.. _groups], _badChecksums, _malformed, interrupted);
        TotalBadChecksums += _badChecksums;
        TotalMalformedGroups += _malformed;
        if (interrupted)
        {
            InterruptedFrames++;
        }
        else
        {
            Frames++;
        }

        _groups.Clear();
        return frame;
    }
}
