namespace City.Protocols.MBus;

/// <summary>The master's requests, as frames (EN 13757-2 5.4 and EN 13757-3 for the selection).</summary>
public static class MBusRequests
{
    /// <summary>SND_NKE to a primary address (or 253 for the selected slave, 255 for all): resets the link; answered by 0xE5.</summary>
    public static MBusFrame SndNke(byte address) => MBusFrame.Short(MBusControl.SndNke, address);

    /// <summary>REQ_UD2 with the given frame count bit: asks for the class 2 data; answered by RSP_UD.</summary>
    public static MBusFrame ReqUd2(byte address, bool frameCountBit) =>
        MBusFrame.Short(MBusControl.WithFrameCount(MBusControl.ReqUd2, frameCountBit), address);

    /// <summary>SND_UD with CI 0x52 to address 253: selects the slave(s) matching the secondary address or pattern; answered by 0xE5.</summary>
    public static MBusFrame SelectSecondary(MBusSecondaryAddress pattern)
    {
        var data = new byte[8];
        pattern.Write(data);
        return MBusFrame.Long(MBusControl.SndUd, MBusAddress.Network, MBusControlInformation.SelectSlave, data);
    }

    /// <summary>SND_UD with CI 0x50 (application reset), optionally with a subcode; answered by 0xE5.</summary>
    public static MBusFrame ApplicationReset(byte address, byte? subcode = null) =>
        MBusFrame.Long(MBusControl.SndUd, address, MBusControlInformation.ApplicationReset, subcode is { } s ? new[] { s } : ReadOnlyMemory<byte>.Empty);

    /// <summary>SND_UD with CI 0x51 setting a new primary address (DIF 0x01, VIF 0x7A, the address); answered by 0xE5.</summary>
    public static MBusFrame SetPrimaryAddress(byte address, byte newAddress) =>
        MBusFrame.Long(MBusControl.SndUd, address, MBusControlInformation.DataSend, new byte[] { 0x01, 0x7A, newAddress });
}
