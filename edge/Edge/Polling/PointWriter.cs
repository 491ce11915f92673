using System.Text;
using City.Edge.Configuration;
using City.Protocols.Modbus;
using Microsoft.Extensions.Logging;

namespace City.Edge.Polling;

/// <summary>How a write ended: ok, refused before anything was sent, unknown device or point, or the device's answer.</summary>
internal enum WriteStatus
{
    Ok,

    /// <summary>Not sent: the point is not Writable, in a read-only table, or the value does not fit.</summary>
    Refused,

    NotFound,

    /// <summary>The device answered with a Modbus exception.</summary>
    Exception,

    /// <summary>The device did not answer in time.</summary>
    Timeout,

    /// <summary>The link failed (connection refused, serial port gone, garbled answer).</summary>
    CommLoss,
}

/// <summary>Writes the points of the devices of one protocol other than Modbus (behind the same local API endpoint).</summary>
internal interface IProtocolPointWriter
{
    bool Handles(DeviceDefinition device);

    /// <summary>The device is enabled and the point is one of its points; the value is not checked yet.</summary>
    Task<WriteResult> WriteAsync(DeviceDefinition device, PointDefinition point, PointWriteValue value, CancellationToken cancellationToken);
}

/// <summary>The outcome of one point write, as the local API reports it.</summary>
internal sealed record WriteResult(
    string Point,
    WriteStatus Status,
    string Message,
    string? Value = null,
    string? Function = null,
    int? Address = null,
    IReadOnlyList<ushort>? Registers = null,
    byte? ExceptionCode = null,
    string? ExceptionName = null)
{
    public bool Ok => Status == WriteStatus.Ok;
}

/// <summary>
/// Writes one configured point: the value is checked and encoded by <see cref="PointEncoding"/> (inverse scale/offset, type
/// range, word order), then sent with FC05 (coil), FC06 (one register) or FC16 (several) through the device's shared client,
/// so a write on an RTU line waits its turn with the polls on the same serialized master. The local API calls it; the remote
/// command path from central is meant to call it too.
/// </summary>
internal sealed partial class PointWriter(EdgeSettings settings, IDeviceClientFactory clients, ILogger<PointWriter> logger, IEnumerable<IProtocolPointWriter>? protocolWriters = null)
{
    private readonly Dictionary<string, DeviceDefinition> _devices = settings.Devices.ToDictionary(d => d.Name, StringComparer.Ordinal);
    private readonly List<IProtocolPointWriter> _protocolWriters = protocolWriters?.ToList() ?? [];

    public async Task<WriteResult> WriteAsync(string deviceName, string pointName, PointWriteValue value, CancellationToken cancellationToken)
    {
        var id = $"{deviceName}/{pointName}";
        if (!_devices.TryGetValue(deviceName, out var device))
        {
            return new WriteResult(id, WriteStatus.NotFound, $"no device named '{deviceName}' (known: {string.Join(", ", _devices.Keys)})");
        }

        var point = device.Points.FirstOrDefault(p => p.Name == pointName);
        if (point is null)
        {
            return new WriteResult(id, WriteStatus.NotFound, $"device '{deviceName}' has no point named '{pointName}'");
        }

        if (!device.Enabled)
        {
            return new WriteResult(id, WriteStatus.Refused, $"{id}: device '{deviceName}' is disabled (Enabled=false)", value.ToString());
        }

        if (_protocolWriters.FirstOrDefault(w => w.Handles(device)) is { } protocolWriter)
        {
            return await protocolWriter.WriteAsync(device, point, value, cancellationToken).ConfigureAwait(false);
        }

        if (!PointEncoding.TryEncode(point, value, out var write, out var error))
        {
            return new WriteResult(id, WriteStatus.Refused, $"{id}: {error}", value.ToString());
        }

        var function = $"FC{(byte)write.Function:D2}";
        var registers = write.Table == ModbusTable.Coil ? null : write.Registers;
        try
        {
            await using var client = clients.Create(device);
            await client.WriteAsync(write, cancellationToken).ConfigureAwait(false);
        }
        catch (DeviceRequestException ex)
        {
            var (status, message) = ex.ExceptionCode is { } code
                ? (WriteStatus.Exception, $"{id}: unit {device.UnitId} at {device.Endpoint} answered exception {(byte)code:D2} {ExceptionName(code)} ({function})")
                : ex.TimedOut
                    ? (WriteStatus.Timeout, $"{id}: unit {device.UnitId} at {device.Endpoint} did not answer within {device.Timeout.TotalMilliseconds} ms ({function})")
                    : (WriteStatus.CommLoss, $"{id}: {ex.Message}");
            LogWriteFailed(logger, id, value.ToString(), message);
            return new WriteResult(id, status, message, value.ToString(), function, write.Address, registers,
                ex.ExceptionCode is { } c ? (byte)c : null, ex.ExceptionCode is { } n ? ExceptionName(n) : null);
        }

        var what = write.Table == ModbusTable.Coil ? (write.Coil ? "ON" : "OFF") : string.Join(' ', write.Registers.Select(r => r.ToString("X4", System.Globalization.CultureInfo.InvariantCulture)));
        LogWritten(logger, id, value.ToString(), function, write.Address, what);
        return new WriteResult(id, WriteStatus.Ok, $"wrote {value} to {id} ({function} at {write.Address}: {what})", value.ToString(), function, write.Address, registers);
    }

    /// <summary>IllegalDataAddress -> "illegal data address".</summary>
    public static string ExceptionName(ModbusExceptionCode code)
    {
        if (!Enum.IsDefined(code))
        {
            return "unknown exception";
        }

        var name = code.ToString();
        var words = new StringBuilder();
        foreach (var c in name)
        {
            if (char.IsUpper(c) && words.Length > 0)
            {
                words.Append(' ');
            }

            words.Append(char.ToLowerInvariant(c));
        }

        return words.ToString();
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Wrote {Value} to {Point} ({Function} at {Address}: {Registers})")]
    private static partial void LogWritten(ILogger logger, string point, string value, string function, ushort address, string registers);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Write of {Value} to {Point} failed: {Message}")]
    private static partial void LogWriteFailed(ILogger logger, string point, string value, string message);
}
