namespace City.Protocols.Modbus;

/// <summary>
/// A serial line that moves whole RTU ADUs: the transport layer under <see cref="ModbusRtuMaster"/>.
/// Implementations are used by one caller at a time (the master serializes access).
/// </summary>
public interface IModbusRtuLine
{
    /// <summary>
    /// Sends <paramref name="request"/> (a whole ADU, CRC included) and reads the response from <paramref name="unit"/> to
    /// <paramref name="function"/> into <paramref name="response"/> (at least <see cref="ModbusRtuFraming.MaxAduLength"/> bytes).
    /// Returns the length of the response ADU. Throws <see cref="ModbusTimeoutException"/> when no complete response arrives
    /// within <paramref name="timeout"/>, <see cref="ModbusProtocolException"/> for a bad CRC or a frame from the wrong unit
    /// or function, <see cref="OperationCanceledException"/> when <paramref name="cancellationToken"/> is cancelled.
    /// </summary>
    Task<int> ExchangeAsync(
        ReadOnlyMemory<byte> request, Memory<byte> response, byte unit, byte function, TimeSpan timeout, CancellationToken cancellationToken);

    /// <summary>Sends <paramref name="request"/> without waiting for an answer (broadcast).</summary>
    Task SendAsync(ReadOnlyMemory<byte> request, CancellationToken cancellationToken);
}
