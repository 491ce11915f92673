using City.Protocols.MBus;

namespace City.Sim.MBus;

/// <summary>
/// The slaves of one M-Bus line: hands each request of the master to every meter it concerns and puts their answers on the
/// wire. Several answers at once collide: each meter starts answering a few bit times after the others (their response
/// delays differ), and the master sees the wired AND of the bit streams (a slave sending a 0 draws current, which wins),
/// which a UART reads back as garbled characters, as on a real bus.
/// </summary>
internal sealed class MBusSimLine(IReadOnlyList<MBusSimMeter> meters)
{
    private readonly Lock _gate = new();

    public IReadOnlyList<MBusSimMeter> Meters { get; } = meters;

    public long Requests { get; private set; }

    public long Answers { get; private set; }

    public long Collisions { get; private set; }

    /// <summary>The bytes the master receives after <paramref name="request"/>; empty when nobody answers.</summary>
    public byte[] Handle(in MBusFrame request)
    {
        lock (_gate)
        {
            Requests++;
            var answers = new List<byte[]>();
            foreach (var meter in Meters)
            {
                if (AnswerOf(meter, request) is { } answer)
                {
                    answers.Add(answer);
                }
            }

            if (answers.Count == 0)
            {
                return [];
            }

            Answers++;
            if (answers.Count == 1)
            {
                return answers[0];
            }

            Collisions++;
            return Collide(answers);
        }
    }

    private static byte[]? AnswerOf(MBusSimMeter meter, in MBusFrame request)
    {
        byte address = request.Address;
        bool addressed = address == meter.PrimaryAddress || address == MBusAddress.BroadcastWithAnswer || (address == MBusAddress.Network && meter.Selected);
        byte[] ack = [MBusFraming.AckByte];
        switch (request.Kind)
        {
            case MBusFrameKind.Short when request.Control == MBusControl.SndNke:
                if (address == MBusAddress.Broadcast || addressed)
                {
                    meter.ResetLink();
                    if (address == MBusAddress.Network)
                    {
                        // SND_NKE to 253 ends the selection.
                        meter.Selected = false;
                    }
                }

                return addressed ? ack : null;
            case MBusFrameKind.Short when MBusControl.RequestFunction(request.Control) == MBusControl.ReqUd2 && addressed:
                bool fcv = (request.Control & MBusControl.FrameCountValid) != 0;
                bool fcb = (request.Control & MBusControl.FrameCountBit) != 0;
                return meter.AnswerRequest(fcv, fcb, address);
            case MBusFrameKind.Long or MBusFrameKind.Control when MBusControl.RequestFunction(request.Control) == MBusControl.SndUd:
                return AnswerSendUserData(meter, request, addressed) ? ack : null;
            default:
                return null;
        }
    }

    private static bool AnswerSendUserData(MBusSimMeter meter, in MBusFrame request, bool addressed)
    {
        var data = request.Data.Span;
        switch (request.ControlInformation)
        {
            case MBusControlInformation.SelectSlave when request.Address == MBusAddress.Network && data.Length == 8:
                meter.Selected = MBusSecondaryAddress.Read(data).Matches(meter.SecondaryAddress);
                return meter.Selected;
            case MBusControlInformation.DataSend when addressed && data.Length == 3 && data[0] == 0x01 && data[1] == 0x7A && data[2] <= MBusAddress.MaxPrimary:
                meter.PrimaryAddress = data[2];
                return true;
            case MBusControlInformation.ApplicationReset when addressed:
                meter.ResetLink();
                return true;
            default:
                return false;
        }
    }

    /// <summary>The characters a UART reads from the wired AND of the answers, the k-th answer starting 3k + 1 bit times late.</summary>
    internal static byte[] Collide(IReadOnlyList<byte[]> answers)
    {
        int longest = answers.Max(a => a.Length);
        int totalBits = (longest * MBusTiming.BitsPerCharacter) + (3 * answers.Count) + 11;
        var line = new bool[totalBits];
        Array.Fill(line, true);
        for (int k = 0; k < answers.Count; k++)
        {
            int offset = k == 0 ? 0 : (3 * k) + 1;
            int bit = offset;
            foreach (byte b in answers[k])
            {
                foreach (bool level in CharacterBits(b))
                {
                    line[bit] &= level;
                    bit++;
                }
            }
        }

        // A UART: wait for a start bit (0), sample 8 data bits, parity and stop, go on after the stop bit.
        var received = new List<byte>();
        int at = 0;
        while (at + MBusTiming.BitsPerCharacter <= totalBits)
        {
            if (line[at])
            {
                at++;
                continue;
            }

            int value = 0;
            for (int i = 0; i < 8; i++)
            {
                value |= (line[at + 1 + i] ? 1 : 0) << i;
            }

            received.Add((byte)value);
            at += MBusTiming.BitsPerCharacter;
        }

        return [.. received];
    }

    /// <summary>Start bit, 8 data bits least significant first, even parity, stop bit (true = mark, the idle level).</summary>
    private static IEnumerable<bool> CharacterBits(byte value)
    {
        yield return false;
        int ones = 0;
        for (int i = 0; i < 8; i++)
        {
            bool bit = ((value >> i) & 1) != 0;
            ones += bit ? 1 : 0;
            yield return bit;
        }

        yield return ones % 2 == 1;
        yield return true;
    }
}
