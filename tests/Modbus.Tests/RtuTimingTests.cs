using System.IO.Ports;

namespace City.Protocols.Modbus.Tests;

public sealed class RtuTimingTests
{
    [Theory]
    [InlineData(8, Parity.Even, StopBits.One, 11)]
    [InlineData(8, Parity.Odd, StopBits.One, 11)]
    [InlineData(8, Parity.None, StopBits.Two, 11)]
    [InlineData(8, Parity.None, StopBits.One, 10)]
    [InlineData(7, Parity.Even, StopBits.One, 10)]
    public void BitsFor_CharacterFormats(int dataBits, Parity parity, StopBits stopBits, double expected) =>
        Assert.Equal(expected, ModbusRtuTiming.BitsFor(dataBits, parity, stopBits));

    [Theory]
    [InlineData(9600, 11, 1145.8, 1718.8, 4010.4)]
    [InlineData(19200, 11, 572.9, 859.4, 2005.2)]
    [InlineData(19200, 10, 520.8, 781.3, 1822.9)]
    [InlineData(38400, 11, 286.5, 750, 1750)]
    [InlineData(115200, 10, 86.8, 750, 1750)]
    public void CharacterTime_T15_T35(int baud, double bits, double characterMicroseconds, double t15Microseconds, double t35Microseconds)
    {
        var timing = new ModbusRtuTiming(baud, bits);
        Assert.Equal(characterMicroseconds, timing.CharacterTime.TotalMicroseconds, 0.1);
        Assert.Equal(t15Microseconds, timing.T15.TotalMicroseconds, 0.1);
        Assert.Equal(t35Microseconds, timing.T35.TotalMicroseconds, 0.1);
    }

    /// <summary>Modbus over serial line (V1.02): 125 registers per request, 8-byte request, 255-byte response, two t3.5 gaps.</summary>
    [Theory]
    [InlineData(9600, 309, 404)]
    [InlineData(19200, 155, 808)]
    [InlineData(115200, 28.6, 4370)]
    public void WireTime_125Registers_MatchesReferenceFigures(int baud, double milliseconds, double registersPerSecond)
    {
        TimeSpan wire = ModbusRtuTiming.For(baud).WireTime(requestBytes: 8, responseBytes: 255);
        Assert.Equal(milliseconds, wire.TotalMilliseconds, milliseconds * 0.005);
        Assert.Equal(registersPerSecond, 125 / wire.TotalSeconds, registersPerSecond * 0.01);
    }

    [Fact]
    public void SerialSettings_DefaultsAre19200_8E1()
    {
        var settings = new ModbusRtuSerialSettings("/dev/ttyS0");
        Assert.Equal(new ModbusRtuTiming(19200, 11), settings.Timing);
    }

    [Fact]
    public void Constructor_InvalidArguments_Throw()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new ModbusRtuTiming(0));
        Assert.Throws<ArgumentOutOfRangeException>(() => ModbusRtuTiming.For(9600, dataBits: 9));
        Assert.Throws<ArgumentOutOfRangeException>(() => ModbusRtuTiming.For(9600).WireTime(-1, 0));
    }
}
