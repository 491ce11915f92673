using City.Protocols.Ntcip1211;

namespace City.Fuzzing.Targets;

/// <summary>
/// Seeds: the byte vectors of tests/Ntcip1211.Tests (ObuDatagramTests: the check-in and check-out written field by field
/// from protocols/Ntcip1211/README.md; PriorityRequestCodecTests: prgPriorityRequest laid out from NTCIP 1211 v02
/// PRS-MIB1 5.1.2, NUL-padded as USDOT V2X-Hub's priority plugin sends it and space-padded as MBTA Tablespoon does) and
/// what this project's encoders write.
/// </summary>
internal static class Ntcip1211Seeds
{
    private static readonly PriorityRequestKey Key = new(3, "BUS-1234", 3, 2, 5);

    public static IEnumerable<byte[]> ObuDatagrams()
    {
        yield return SeedHex.Parse("42 01 01 03 02 05 0014 0023 08 4255532D31323334 02 4C35");
        yield return SeedHex.Parse("42 01 03 00 00 00 0000 0000 08 4255532D31323334 00");
        yield return ObuDatagram.Encode(new ObuMessage(ObuMessageKind.Update, "TRAM-0042-ABCDEFG", "L9-NORTHBOUND", 255, 10, 10, 0, 65535));
        yield return ObuDatagram.Encode(new ObuMessage(ObuMessageKind.Cancel, "B", "", 0, 0, 0, 0, 0));
    }

    public static IEnumerable<byte[]> PrgMessages()
    {
        yield return SeedHex.Parse("03 4255532D31323334 000000000000000000 03 02 05 0014 0023");
        yield return SeedHex.Parse("03 202020202020202020 4255532D31323334 03 02 05 0014 0023");
        yield return PriorityRequestCodec.EncodeKey(Key);
        yield return PriorityRequestCodec.EncodeStatus(new PriorityStatusMessage(Key, PriorityRequestStatus.ClosedCompleted));
        yield return PriorityRequestCodec.EncodeStatus(new PriorityStatusMessage(new PriorityRequestKey(255, "TRAM-0042-ABCDEFG", 10, 10, 255), PriorityRequestStatus.ActiveProcessing));

        // The status buffer as a BER OCTET STRING value (tag 04, length 23), and an answer of noSuchObject (tag 80, empty).
        yield return [0x04, 0x17, .. PriorityRequestCodec.EncodeStatus(new PriorityStatusMessage(Key, PriorityRequestStatus.ReadyQueued))];
        yield return [0x80, 0x00];
    }
}
