using City.Protocols.Snmp;

namespace City.Protocols.Ntcip1203;

/// <summary>A sign's answer to a GET that does not decode: too few varbinds, or a value of the wrong type (noSuchObject included).</summary>
public sealed class DmsDecodeException(string message) : SnmpException(message);

/// <summary>
/// The GET answers <see cref="DmsClient"/> reads, decoded from the varbinds as the sign sent them: pure, and false with
/// the reason when an answer holds fewer values than asked or a value of another type than the object's.
/// </summary>
public static class DmsReadings
{
    /// <summary>The objects of <see cref="TryReadGeometry"/>, in its order.</summary>
    public static IReadOnlyList<Oid> GeometryObjects { get; } =
    [
        DmsObjects.VmsCharacterHeightPixels, DmsObjects.VmsCharacterWidthPixels, DmsObjects.VmsSignHeightPixels, DmsObjects.VmsSignWidthPixels,
        DmsObjects.DmsMaxNumberPages, DmsObjects.DmsMaxMultiStringLength, DmsObjects.DefaultFont,
    ];

    /// <summary>The objects of <see cref="TryReadCurrent"/>, in its order.</summary>
    public static IReadOnlyList<Oid> CurrentObjects { get; } =
    [
        DmsObjects.DmsMsgTableSource, DmsObjects.MessageCell(DmsObjects.MessageMultiStringColumn, MessageMemoryType.CurrentBuffer, 1),
        DmsObjects.DmsMessageTimeRemaining,
    ];

    /// <summary>The objects of <see cref="TryReadStatus"/>, in its order.</summary>
    public static IReadOnlyList<Oid> StatusObjects { get; } =
    [
        DmsObjects.ShortErrorStatus, DmsObjects.PixelFailureTableNumRows, DmsObjects.LampFailureStuckOff, DmsObjects.LampFailureStuckOn,
        DmsObjects.DmsStatDoorOpen, DmsObjects.ControllerErrorStatus,
    ];

    /// <summary>The objects of <see cref="TryReadMultiError"/>, in its order.</summary>
    public static IReadOnlyList<Oid> MultiErrorObjects { get; } = [DmsObjects.DmsMultiSyntaxError, DmsObjects.DmsMultiSyntaxErrorPosition];

    /// <summary>Lines = sign height / character height, characters = sign width / character width (pixels; a character of 0 counts as 1).</summary>
    public static bool TryReadGeometry(IReadOnlyList<VarBind> values, out SignGeometry? geometry, out string? problem)
    {
        geometry = null;
        if (!TryIntegers(values, GeometryObjects, out var v, out problem))
        {
            return false;
        }

        int characterHeight = Math.Max(1, v[0]);
        int characterWidth = Math.Max(1, v[1]);
        geometry = new SignGeometry(v[2] / characterHeight, v[3] / characterWidth, Math.Max(1, v[4]), new HashSet<int> { v[6] }) { MaxMultiLength = v[5] };
        return true;
    }

    /// <summary>dmsMsgTableSource (an undecodable MessageIDCode gives a null source), the current buffer's MULTI string, the time remaining.</summary>
    public static bool TryReadCurrent(IReadOnlyList<VarBind> values, out SignMessage? message, out string? problem)
    {
        message = null;
        if (!TryCount(values, CurrentObjects, out problem)
            || !TryBytes(values, 0, out var source, out problem)
            || !TryBytes(values, 1, out var multi, out problem)
            || !TryInteger(values, 2, out int remaining, out problem))
        {
            return false;
        }

        MessageIdCode.TryDecode(source, out var sourceCode);
        message = new SignMessage(System.Text.Encoding.UTF8.GetString(multi), sourceCode, remaining);
        return true;
    }

    /// <summary>shortErrorStatus, pixelFailureTableNumRows, the set bits of lampFailureStuckOff / On, dmsStatDoorOpen, controllerErrorStatus.</summary>
    public static bool TryReadStatus(IReadOnlyList<VarBind> values, out SignStatus? status, out string? problem)
    {
        status = null;
        if (!TryCount(values, StatusObjects, out problem)
            || !TryInteger(values, 0, out int errors, out problem)
            || !TryInteger(values, 1, out int pixels, out problem)
            || !TryBytes(values, 2, out var stuckOff, out problem)
            || !TryBytes(values, 3, out var stuckOn, out problem)
            || !TryInteger(values, 4, out int doors, out problem)
            || !TryInteger(values, 5, out int controller, out problem))
        {
            return false;
        }

        status = new SignStatus((ShortErrorStatus)errors, pixels, SignStatus.CountBits(stuckOff), SignStatus.CountBits(stuckOn), doors, controller);
        return true;
    }

    /// <summary>dmsMultiSyntaxError and its position: null for none (2).</summary>
    public static bool TryReadMultiError(IReadOnlyList<VarBind> values, out MultiProblem? multiProblem, out string? problem)
    {
        multiProblem = null;
        if (!TryIntegers(values, MultiErrorObjects, out var v, out problem))
        {
            return false;
        }

        var error = (MultiSyntaxError)v[0];
        multiProblem = error is MultiSyntaxError.None ? null : new MultiProblem(error, v[1], $"the sign reports {error}");
        return true;
    }

    /// <summary>The INTEGER value at <paramref name="index"/> (a row's status, CRC, dmsActivateMsgError...).</summary>
    public static bool TryInteger(IReadOnlyList<VarBind> values, int index, out int value, out string? problem)
    {
        ArgumentNullException.ThrowIfNull(values);
        value = 0;
        if (index >= values.Count)
        {
            problem = $"the answer holds {values.Count} values, not {index + 1}";
            return false;
        }

        var varBind = values[index];
        if (varBind.Value.Type != SnmpValueType.Integer)
        {
            problem = $"{varBind.Oid} is {varBind.Value.Type}, not INTEGER";
            return false;
        }

        value = varBind.Value.AsInt32();
        problem = null;
        return true;
    }

    private static bool TryBytes(IReadOnlyList<VarBind> values, int index, out ReadOnlySpan<byte> bytes, out string? problem)
    {
        var varBind = values[index];
        if (varBind.Value.Type != SnmpValueType.OctetString)
        {
            bytes = default;
            problem = $"{varBind.Oid} is {varBind.Value.Type}, not OCTET STRING";
            return false;
        }

        bytes = varBind.Value.AsBytes();
        problem = null;
        return true;
    }

    private static bool TryCount(IReadOnlyList<VarBind> values, IReadOnlyList<Oid> asked, out string? problem)
    {
        ArgumentNullException.ThrowIfNull(values);
        problem = values.Count < asked.Count ? $"the answer holds {values.Count} values for {asked.Count} objects asked" : null;
        return problem is null;
    }

    private static bool TryIntegers(IReadOnlyList<VarBind> values, IReadOnlyList<Oid> asked, out int[] integers, out string? problem)
    {
        integers = new int[asked.Count];
        if (!TryCount(values, asked, out problem))
        {
            return false;
        }

        for (int i = 0; i < integers.Length; i++)
        {
            if (!TryInteger(values, i, out integers[i], out problem))
            {
                return false;
            }
        }

        return true;
    }
}
