using City.Protocols.Ntcip1211;
using City.Protocols.Snmp;

namespace City.Fuzzing.Targets;

/// <summary>
/// Bus priority (NTCIP 1211): the on-board unit's UDP datagram as the edge's priority runner receives it, and the PRG
/// messages' OER octets as the edge reads prgPriorityStatusBuffer (and the simulated PRS reads a request, update, cancel).
/// A decoded message must encode back to what it came from: a decoder that accepts what its encoder refuses is a finding.
/// </summary>
internal static class Ntcip1211Targets
{
    private static readonly Oid StatusBuffer = Ntcip1211Oids.Instance(Ntcip1211Oids.PriorityStatusBuffer);

    public static void ObuDatagrams(ReadOnlySpan<byte> input)
    {
        if (ObuDatagram.TryDecode(input, out var message) != ObuDecodeStatus.Ok)
        {
            return;
        }

        if (!ObuDatagram.Encode(message!).AsSpan().SequenceEqual(input))
        {
            throw new InvalidOperationException($"{message} decoded but does not encode back to its datagram");
        }
    }

    /// <summary>The input as the OCTET STRING of each PRG message; then its first octet as a BER tag and the rest as the value the PRS answered.</summary>
    public static void PrgMessages(ReadOnlySpan<byte> input)
    {
        if (PriorityRequestCodec.TryDecodeKey(input, out var key) == PriorityDecodeStatus.Ok)
        {
            RoundTrip(key!, PriorityRequestCodec.EncodeKey(key!), PriorityRequestCodec.TryDecodeKey);
        }

        if (PriorityRequestCodec.TryDecodeRequest(input, out var request) == PriorityDecodeStatus.Ok)
        {
            RoundTrip(request!, PriorityRequestCodec.EncodeRequest(request!), PriorityRequestCodec.TryDecodeRequest);
        }

        ReadStatus(new VarBind(StatusBuffer, SnmpValue.OctetString(input.ToArray())));
        if (input.Length > 0 && SnmpCodec.DecodeValue(input[0], input[1..], out var value) == SnmpDecodeStatus.Ok)
        {
            ReadStatus(new VarBind(StatusBuffer, value!));
        }
    }

    private static void ReadStatus(VarBind varBind)
    {
        if (Ntcip1211VarBinds.TryReadStatus(varBind, out var status) != PriorityDecodeStatus.Ok)
        {
            return;
        }

        _ = status!.Status.Name() + status.Status.Lifecycle().Name();
        RoundTrip(status, PriorityRequestCodec.EncodeStatus(status), PriorityRequestCodec.TryDecodeStatus);
    }

    private delegate PriorityDecodeStatus Decoder<T>(ReadOnlySpan<byte> bytes, out T? decoded);

    private static void RoundTrip<T>(T decoded, byte[] encoded, Decoder<T> decode)
    {
        if (decode(encoded, out var again) != PriorityDecodeStatus.Ok || !Equals(again, decoded))
        {
            throw new InvalidOperationException($"{decoded} decoded but its encoding {Convert.ToHexString(encoded)} decodes to {again}");
        }
    }
}
