using City.Protocols.Snmp;

namespace City.Protocols.Ntcip1203.Tests;

/// <summary>
/// The sign's GET answers as the client decodes them. Regression vectors: a sign that answers a status object with
/// noSuchObject (one without lamps, say) or with fewer varbinds than asked made DmsClient throw an
/// InvalidOperationException or an ArgumentOutOfRangeException that its callers did not expect; now the reading is
/// refused with the reason and the client throws <see cref="DmsDecodeException"/>, an <see cref="SnmpException"/>.
/// </summary>
public class DmsReadingsTests
{
    private static List<VarBind> Answer(IReadOnlyList<Oid> asked, params SnmpValue[] values) => values.Select((v, i) => new VarBind(asked[i], v)).ToList();

    [Fact]
    public void Status_DecodesEachObject()
    {
        var answer = Answer(DmsReadings.StatusObjects, SnmpValue.Integer(0x2030), SnmpValue.Integer(3), SnmpValue.OctetString([0x01, 0x02]),
            SnmpValue.OctetString([0x00]), SnmpValue.Integer(1), SnmpValue.Integer(0));
        Assert.True(DmsReadings.TryReadStatus(answer, out var status, out var problem), problem);
        Assert.Equal(new SignStatus(ShortErrorStatus.DoorOpen | ShortErrorStatus.Pixel | ShortErrorStatus.Lamp, 3, 2, 0, 1, 0), status);
    }

    [Fact]
    public void Status_WithALampBitmapOfNoSuchObject_IsRefusedWithTheObjectNamed()
    {
        var answer = Answer(DmsReadings.StatusObjects, SnmpValue.Integer(0), SnmpValue.Integer(0), SnmpValue.NoSuchObject,
            SnmpValue.OctetString([0x00]), SnmpValue.Integer(0), SnmpValue.Integer(0));
        Assert.False(DmsReadings.TryReadStatus(answer, out var status, out var problem));
        Assert.Null(status);
        Assert.Contains(DmsObjects.LampFailureStuckOff.ToString(), problem, StringComparison.Ordinal);
        Assert.Contains("not OCTET STRING", problem, StringComparison.Ordinal);
    }

    [Fact]
    public void Answers_WithFewerValuesThanAsked_AreRefused()
    {
        Assert.False(DmsReadings.TryReadStatus(Answer(DmsReadings.StatusObjects, SnmpValue.Integer(0)), out _, out var problem));
        Assert.Equal("the answer holds 1 values for 6 objects asked", problem);
        Assert.False(DmsReadings.TryReadGeometry([], out _, out _));
        Assert.False(DmsReadings.TryReadCurrent([], out _, out _));
        Assert.False(DmsReadings.TryReadMultiError([], out _, out _));
        Assert.False(DmsReadings.TryInteger([], 0, out _, out problem));
        Assert.Equal("the answer holds 0 values, not 1", problem);
    }

    [Fact]
    public void Geometry_AndTheCurrentMessage_Decode()
    {
        var geometry = Answer(DmsReadings.GeometryObjects, SnmpValue.Integer(7), SnmpValue.Integer(5), SnmpValue.Integer(21), SnmpValue.Integer(90),
            SnmpValue.Integer(6), SnmpValue.Integer(1024), SnmpValue.Integer(1));
        Assert.True(DmsReadings.TryReadGeometry(geometry, out var sign, out _));
        Assert.Equal((3, 18, 6, 1024), (sign!.LinesPerPage, sign.CharactersPerLine, sign.MaxPages, sign.MaxMultiLength));

        var current = Answer(DmsReadings.CurrentObjects, SnmpValue.OctetString(Hex.Parse("03 0001 906E")), SnmpValue.OctetString("ROAD WORK"), SnmpValue.Integer(65535));
        Assert.True(DmsReadings.TryReadCurrent(current, out var message, out _));
        Assert.Equal(new SignMessage("ROAD WORK", new MessageIdCode(MessageMemoryType.Changeable, 1, 0x906E), 65535), message);

        // The time remaining as a string: refused, where AsInt32 threw.
        current[2] = new VarBind(current[2].Oid, SnmpValue.OctetString("65535"));
        Assert.False(DmsReadings.TryReadCurrent(current, out _, out var problem));
        Assert.Contains("not INTEGER", problem, StringComparison.Ordinal);
    }
}
