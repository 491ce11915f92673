using City.Protocols.Ntcip1211;
using City.Protocols.Snmp;

namespace City.Ntcip1211.Tests;

/// <summary>
/// The PRG messages against byte vectors laid out field by field from NTCIP 1211 v02 PRS-MIB1 5.1.2 (prgPriorityRequest:
/// id, 17-octet vehicle id, class type, class level, strategy, time of service desired and time of estimated departure as
/// 16-bit big-endian seconds), as published implementations encode them (USDOT V2X-Hub's priority plugin pads the vehicle
/// id with NULs after it, MBTA Tablespoon with spaces before it).
/// </summary>
public sealed class PriorityRequestCodecTests
{
    // id 3, "BUS-1234" NUL-padded to 17, class type 3, level 2, strategy 5, service desired 20 s (0x0014), departure 35 s (0x0023).
    private const string RequestVector = "03 4255532D31323334 000000000000000000 03 02 05 0014 0023";

    // The same request with the vehicle id space-padded in front (Tablespoon's form).
    private const string SpacePaddedVector = "03 202020202020202020 4255532D31323334 03 02 05 0014 0023";

    private static readonly PriorityRequestKey Key = new(3, "BUS-1234", 3, 2, 5);

    [Fact]
    public void Request_EncodesFieldByField()
    {
        var bytes = PriorityRequestCodec.EncodeRequest(new PriorityRequestMessage(Key, 20, 35));
        Assert.Equal(Hex.Parse(RequestVector), bytes);
        Assert.Equal(PriorityRequestCodec.RequestLength, bytes.Length);
    }

    [Theory]
    [InlineData(RequestVector)]
    [InlineData(SpacePaddedVector)]
    public void Request_DecodesEitherPadding(string vector)
    {
        Assert.Equal(PriorityDecodeStatus.Ok, PriorityRequestCodec.TryDecodeRequest(Hex.Parse(vector), out var request));
        Assert.Equal(new PriorityRequestMessage(Key, 20, 35), request);
    }

    [Fact]
    public void KeyMessages_AreTheFirst21Bytes()
    {
        var key = PriorityRequestCodec.EncodeKey(Key);
        Assert.Equal(Hex.Parse(RequestVector)[..21], key);
        Assert.Equal(PriorityDecodeStatus.Ok, PriorityRequestCodec.TryDecodeKey(key, out var decoded));
        Assert.Equal(Key, decoded);
    }

    [Fact]
    public void Status_DecodesStatusInPrs()
    {
        // key, then priorityRequestStatusInPRS 13 (closedCompleted), then the reserved octet.
        var bytes = Hex.Parse(RequestVector[..^10] + " 0D 00");
        Assert.Equal(PriorityDecodeStatus.Ok, PriorityRequestCodec.TryDecodeStatus(bytes, out var status));
        Assert.Equal(PriorityRequestStatus.ClosedCompleted, status!.Status);
        Assert.Equal(Key, status.Key);
        Assert.Equal(bytes, PriorityRequestCodec.EncodeStatus(status));
    }

    [Theory]
    [InlineData("00 4255532D31323334 000000000000000000 03 02 05 0014 0023", PriorityDecodeStatus.OutOfRange)] // request id 0
    [InlineData("03 4255532D31323334 000000000000000000 0B 02 05 0014 0023", PriorityDecodeStatus.OutOfRange)] // class 11
    [InlineData("03 4255532D31323334 000000000000000000 03 00 05 0014 0023", PriorityDecodeStatus.OutOfRange)] // level 0
    [InlineData("03 4255532D31323334 000000000000000000 03 02 00 0014 0023", PriorityDecodeStatus.OutOfRange)] // strategy 0
    [InlineData("03 0000000000000000 000000000000000000 03 02 05 0014 0023", PriorityDecodeStatus.InvalidVehicleId)] // empty id
    [InlineData("03 4255530A31323334 000000000000000000 03 02 05 0014 0023", PriorityDecodeStatus.InvalidVehicleId)] // LF inside
    [InlineData("03 4255532D31323334 000000000000000000 03 02 05 0014 00", PriorityDecodeStatus.WrongLength)]
    [InlineData("03 4255532D31323334 000000000000000000 03 02 05 0014 0023 00", PriorityDecodeStatus.WrongLength)]
    public void Request_Malformed_NamesWhy(string vector, PriorityDecodeStatus expected)
    {
        Assert.Equal(expected, PriorityRequestCodec.TryDecodeRequest(Hex.Parse(vector), out var request));
        Assert.Null(request);
    }

    [Theory]
    [InlineData((byte)0)]
    [InlineData((byte)16)]
    public void Status_OutsideTheEnumeration_IsOutOfRange(byte value)
    {
        var bytes = Hex.Parse(RequestVector[..^10]);
        Assert.Equal(PriorityDecodeStatus.OutOfRange, PriorityRequestCodec.TryDecodeStatus([.. bytes, value, 0], out _));
    }

    [Fact]
    public void Encode_RefusesWhatCannotBeSent()
    {
        Assert.Throws<ArgumentException>(() => PriorityRequestCodec.EncodeKey(Key with { VehicleId = "A-VEHICLE-ID-OF-18" }));
        Assert.Throws<ArgumentException>(() => PriorityRequestCodec.EncodeKey(Key with { RequestId = 0 }));
        Assert.Throws<ArgumentException>(() => PriorityRequestCodec.EncodeKey(Key with { ClassType = 11 }));
        Assert.Throws<ArgumentException>(() => PriorityRequestCodec.EncodeKey(Key with { VehicleId = "BUS 1" }));
    }

    [Theory]
    [InlineData(PriorityRequestStatus.ReadyQueued, PriorityLifecycle.Requested)]
    [InlineData(PriorityRequestStatus.ReadyOverridden, PriorityLifecycle.Requested)]
    [InlineData(PriorityRequestStatus.ActiveProcessing, PriorityLifecycle.Granted)]
    [InlineData(PriorityRequestStatus.ActiveAdjustNotNeeded, PriorityLifecycle.Granted)]
    [InlineData(PriorityRequestStatus.ClosedCompleted, PriorityLifecycle.Served)]
    [InlineData(PriorityRequestStatus.ClosedCanceled, PriorityLifecycle.Cancelled)]
    [InlineData(PriorityRequestStatus.ActiveCancel, PriorityLifecycle.Cancelled)]
    [InlineData(PriorityRequestStatus.ClosedStrategyError, PriorityLifecycle.Rejected)]
    [InlineData(PriorityRequestStatus.ClosedFlash, PriorityLifecycle.Rejected)]
    [InlineData(PriorityRequestStatus.IdleNotValid, PriorityLifecycle.None)]
    public void Statuses_MapToTheLifecycle(PriorityRequestStatus status, PriorityLifecycle lifecycle) => Assert.Equal(lifecycle, status.Lifecycle());

    /// <summary>
    /// The whole SNMPv1 SetRequest of a prgPriorityRequest, BER written out by hand (RFC 1157 message, RFC 3416 PDU):
    /// OID 1.3.6.1.4.1.1206.4.2.11.2.1.0 is 2B 06 01 04 01 89 36 04 02 0B 02 01 00 (1206 = 0x4B6: 89 36).
    /// </summary>
    [Fact]
    public void RequestVarBind_InAv1SetRequest_IsTheExpectedBer()
    {
        var pdu = new SnmpPdu(SnmpPduType.SetRequest, 1, [Ntcip1211VarBinds.Request(new PriorityRequestMessage(Key, 20, 35))]);
        var bytes = SnmpCodec.Encode(new CommunityMessage(SnmpVersion.V1, "private", pdu));
        var expected = "30 45 020100 0407 70726976617465"
            + " A3 37 020101 020100 020100 30 2C 30 2A 06 0D 2B0601040189360402 0B 02 01 00 04 19 " + RequestVector;
        Assert.Equal(Hex.Format(Hex.Parse(expected)), Hex.Format(bytes));

        Assert.Equal(SnmpDecodeStatus.Ok, SnmpCodec.TryDecode(bytes, out var message));
        var varBind = ((CommunityMessage)message!).Pdu.VarBinds.Single();
        Assert.Equal(Oid.Parse("1.3.6.1.4.1.1206.4.2.11.2.1.0"), varBind.Oid);
        Assert.Equal(PriorityDecodeStatus.Ok, PriorityRequestCodec.TryDecodeRequest(varBind.Value.AsBytes(), out var request));
        Assert.Equal(Key, request!.Key);
    }

    [Fact]
    public void StatusBuffer_ReadsOnlyItsOwnOctetString()
    {
        var status = new PriorityStatusMessage(Key, PriorityRequestStatus.ActiveProcessing);
        Assert.Equal(PriorityDecodeStatus.Ok, Ntcip1211VarBinds.TryReadStatus(Ntcip1211VarBinds.StatusBuffer(status), out var read));
        Assert.Equal(status, read);
        Assert.Equal(PriorityDecodeStatus.WrongLength,
            Ntcip1211VarBinds.TryReadStatus(new VarBind(Ntcip1211Oids.Instance(Ntcip1211Oids.PriorityStatusBuffer), SnmpValue.NoSuchObject), out _));
        Assert.Equal(PriorityDecodeStatus.WrongLength,
            Ntcip1211VarBinds.TryReadStatus(new VarBind(Ntcip1211Oids.Instance(Ntcip1211Oids.PriorityCancel), SnmpValue.OctetString(PriorityRequestCodec.EncodeStatus(status))), out _));
    }

    [Fact]
    public void RandomBytes_NeverThrow()
    {
        var random = new Random(1211);
        for (var i = 0; i < 20_000; i++)
        {
            var bytes = new byte[random.Next(0, 30)];
            random.NextBytes(bytes);
            PriorityRequestCodec.TryDecodeRequest(bytes, out _);
            PriorityRequestCodec.TryDecodeKey(bytes, out _);
            PriorityRequestCodec.TryDecodeStatus(bytes, out _);
        }
    }
}
