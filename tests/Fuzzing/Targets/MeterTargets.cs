using System.Buffers;
using City.Protocols.MBus;
using City.Protocols.Tic;

namespace City.Fuzzing.Targets;

/// <summary>The meters' serial lines: Linky TIC (both modes) and M-Bus (frames, then their variable data records).</summary>
internal static class MeterTargets
{
    /// <summary>The line's bytes fed in two pieces to a decoder per mode (detected, historic, standard), each group read as the edge reads it.</summary>
    public static void Tic(ReadOnlySpan<byte> input)
    {
        foreach (TicMode? mode in new TicMode?[] { null, TicMode.Historic, TicMode.Standard })
        {
            var decoder = new TicFrameDecoder(mode);
            int half = input.Length / 2;
            Read(decoder.Feed(input[..half]));
            Read(decoder.Feed(input[half..]));
        }

        TicGroupCodec.TryDecode(input, null, out _, out _);
        TicTimestamp.TryParse(input, out _);
    }

    /// <summary>An M-Bus answer stream: frames read one after the other, each long frame's records decoded; the bytes as user data too.</summary>
    public static void MBus(ReadOnlySpan<byte> input)
    {
        ReadOnlySpan<byte> stream = input;
        while (!stream.IsEmpty)
        {
            OperationStatus status = MBusFraming.TryRead(stream, out MBusFrame frame, out int consumed, out _);
            if (status == OperationStatus.Done)
            {
                MBusVariableData.TryDecode(frame, out MBusTelegram? telegram, out _);
                _ = telegram?.Records.Count;
            }
            else if (status == OperationStatus.NeedMoreData)
            {
                break;
            }

            if (consumed <= 0)
            {
                // The master drops a byte and resynchronises on an invalid start.
                consumed = 1;
            }

            stream = stream[consumed..];
        }

        if (input.Length > 0)
        {
            MBusVariableData.TryDecode(input[0], input[1..], out _, out _);
        }
    }

    private static void Read(IReadOnlyList<TicFrame> frames)
    {
        foreach (TicFrame frame in frames)
        {
            foreach (TicGroup group in frame.Groups)
            {
                _ = group.ToString();
                if (group.Label == "STGE")
                {
                    TicStatusRegister.TryParse(group.TrimmedValue, out _);
                }
            }
        }
    }
}
