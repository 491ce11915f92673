using City.Edge.Devices;
using City.Protocols.Snmp;
using Microsoft.Extensions.Logging;

namespace City.Edge.Snmp;

/// <summary>
/// SET of one Writable SNMP point: a GET first learns the object's type (INTEGER, Gauge32, OCTET STRING...), the value is
/// encoded to that type (inverse Scale/Offset), then one SET. The answer is reported as is: ok, the error-status name
/// (as an "exception"), a timeout.
/// </summary>
internal sealed partial class SnmpPointWriter(SnmpRuntime runtime, ILogger<SnmpPointWriter> logger)
{
    public async Task<WriteResult> WriteAsync(DeviceDefinition device, SnmpPoint point, PointWriteValue value, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(device);
        ArgumentNullException.ThrowIfNull(point);
        var id = point.Id;
        var snmp = point.Snmp;
        if (!point.Writable)
        {
            return new WriteResult(id, WriteStatus.Refused, $"{id}: the point is not Writable", value.ToString());
        }

        var target = device.SnmpSettings!.Target();
        var oid = snmp.Oid.ToString();
        try
        {
            var current = await runtime.Manager.GetAsync(target, snmp.Oid, cancellationToken).ConfigureAwait(false);
            if (current.Value.IsException)
            {
                return Failed(id, value, WriteStatus.Exception, $"{id}: {device.Endpoint} has no object {oid} ({current.Value.Type})", current.Value.Type.ToString());
            }

            if (!SnmpPointDecoding.TryEncode(point, value, current.Value.Type, out var encoded, out var error))
            {
                return new WriteResult(id, WriteStatus.Refused, $"{id}: {error}", value.ToString(), "SET");
            }

            await runtime.Manager.SetAsync(target, [new VarBind(snmp.Oid, encoded)], cancellationToken).ConfigureAwait(false);
            LogWritten(logger, id, value.ToString(), oid, encoded.ToString());
            return new WriteResult(id, WriteStatus.Ok, $"wrote {value} to {id} (SET {oid} = {encoded})", value.ToString(), "SET");
        }
        catch (SnmpErrorStatusException ex)
        {
            var name = SnmpNames.ErrorStatus(ex.Status);
            return Failed(id, value, WriteStatus.Exception, $"{id}: {device.Endpoint} answered {name} (SET {oid})", name, (byte)ex.Status);
        }
        catch (SnmpTimeoutException)
        {
            return Failed(id, value, WriteStatus.Timeout, $"{id}: {device.Endpoint} did not answer within {device.SnmpSettings!.Endpoint.Timeout.TotalMilliseconds} ms x {device.SnmpSettings!.Endpoint.Retries + 1} attempts (SET {oid})");
        }
        catch (SnmpSecurityException ex)
        {
            return Failed(id, value, WriteStatus.Exception, $"{id}: {device.Endpoint} refused the v3 credentials: {ex.Status}", ex.Status.ToString());
        }
        catch (SnmpException ex)
        {
            return Failed(id, value, WriteStatus.CommLoss, $"{id}: {ex.Message}");
        }
    }

    private WriteResult Failed(string id, PointWriteValue value, WriteStatus status, string message, string? errorName = null, byte? code = null)
    {
        LogWriteFailed(logger, id, value.ToString(), message);
        return new WriteResult(id, status, message, value.ToString(), "SET", ExceptionCode: code, ExceptionName: errorName);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Wrote {Value} to {Point} (SET {Oid} = {Encoded})")]
    private static partial void LogWritten(ILogger logger, string point, string value, string oid, string encoded);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Write of {Value} to {Point} failed: {Message}")]
    private static partial void LogWriteFailed(ILogger logger, string point, string value, string message);
}
