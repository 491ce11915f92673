namespace City.Protocols.Modbus;

/// <summary>Answer to function 17: the server id bytes and the run indicator.</summary>
public sealed record ModbusServerIdentification(byte[] ServerId, bool IsRunning);
