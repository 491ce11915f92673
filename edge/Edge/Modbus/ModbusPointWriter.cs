using System.Text;
using City.Edge.Devices;
using City.Protocols.Modbus;
using Microsoft.Extensions.Logging;
using City.Protocols.Modbus.DataModel;

namespace City.Edge.Modbus;

/// <summary>
/// Writes one configured point: the value is checked and encoded by <see cref="PointEncoding"/> (inverse scale/offset, type
/// range, word order), then sent with FC05 (coil), FC06 (one register) or FC16 (several) through the device's shared client,
/// so a write on an RTU line waits its turn with the polls on the same serialized master.
/// </summary>
internal sealed partial class ModbusPointWriter(IDeviceClientFactory clients, ILogger<ModbusPointWriter> logger)
{
    /// <summary>The device is enabled and the point is one of its points (checked by the core's PointWriter).</summary>
    public async Task<WriteResult> WriteAsync(DeviceDefinition device, PointDefinition point, PointWriteValue value, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(device);
        ArgumentNullException.ThrowIfNull(point);
        var id = point.Id;
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
