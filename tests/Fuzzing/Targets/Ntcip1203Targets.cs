using System.Text;
using City.Protocols.Ntcip1203;
using City.Protocols.Snmp;

namespace City.Fuzzing.Targets;

/// <summary>
/// Message signs (NTCIP 1203): MULTI text as central checks a command's and the edge checks and reads back a sign's, and
/// the sign's object values as the edge's DmsClient decodes its GET answers.
/// </summary>
internal static class Ntcip1203Targets
{
    private static readonly SignGeometry TwoFonts = new(3, 18, 6, new HashSet<int> { 1, 2 });

    /// <summary>
    /// The input as UTF-8 MULTI against the default sign, a sign with two fonts and no sign (central's syntax check); the
    /// message's plain text and CRC. What a sign takes must also pass the syntax-only check.
    /// </summary>
    public static void Multi(ReadOnlySpan<byte> input)
    {
        string multi = Encoding.UTF8.GetString(input);
        bool fitsAnySign = false;
        foreach (SignGeometry sign in new[] { SignGeometry.Default, TwoFonts, SignGeometry.SyntaxOnly })
        {
            if (MultiParser.TryParse(multi, sign, out var message, out var problem))
            {
                fitsAnySign = true;
                _ = message.PlainText;
            }
            else if (problem is null || problem.Position < 0 || problem.Position > multi.Length)
            {
                throw new InvalidOperationException($"refused without a problem at an offset of the text: {problem}");
            }
            else if (sign == SignGeometry.SyntaxOnly && fitsAnySign)
            {
                throw new InvalidOperationException($"a sign took it but the syntax check refuses it: {problem}");
            }
        }

        MessageCrc.Of(multi, input.Length > 0 ? input[0] : 0, 0);
    }

    /// <summary>
    /// The input as the octets of dmsActivateMessage and dmsMsgTableSource (a decoded code must encode back to them), then
    /// as the values of a GET answer: BER value TLVs (tag, one length octet, contents) decoded as the manager decodes a
    /// varbind's value, given in order to the objects each read of <see cref="DmsReadings"/> asked for.
    /// </summary>
    public static void Objects(ReadOnlySpan<byte> input)
    {
        if (MessageActivationCode.TryDecode(input, out var activation) && !activation!.Encode().AsSpan().SequenceEqual(input))
        {
            throw new InvalidOperationException($"{activation} decoded but does not encode back");
        }

        if (MessageIdCode.TryDecode(input, out var id) && !id!.Encode().AsSpan().SequenceEqual(input))
        {
            throw new InvalidOperationException($"{id} decoded but does not encode back");
        }

        var values = new List<SnmpValue>();
        while (input.Length >= 2 && input.Length >= 2 + input[1])
        {
            if (SnmpCodec.DecodeValue(input[0], input.Slice(2, input[1]), out var value) != SnmpDecodeStatus.Ok)
            {
                break;
            }

            values.Add(value!);
            input = input[(2 + input[1])..];
        }

        if (DmsReadings.TryReadGeometry(Answer(DmsReadings.GeometryObjects, values), out var geometry, out _))
        {
            MultiParser.TryParse("[jp3][jl3]ROAD WORK[nl]AHEAD[np][pt25o5]SLOW DOWN", geometry!, out _, out _);
        }

        if (DmsReadings.TryReadCurrent(Answer(DmsReadings.CurrentObjects, values), out var current, out _))
        {
            _ = current!.IsBlank;
            MultiParser.TryParse(current.Multi, geometry ?? SignGeometry.SyntaxOnly, out _, out _);
        }

        if (DmsReadings.TryReadStatus(Answer(DmsReadings.StatusObjects, values), out var status, out _))
        {
            _ = status!.Describe() + status.DoorOpen;
        }

        DmsReadings.TryReadMultiError(Answer(DmsReadings.MultiErrorObjects, values), out _, out _);
    }

    private static List<VarBind> Answer(IReadOnlyList<Oid> asked, List<SnmpValue> values) =>
        values.Take(asked.Count).Select((value, i) => new VarBind(asked[i], value)).ToList();
}
