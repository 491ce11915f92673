using System.Net;
using City.Protocols.Ntcip1203;
using City.Protocols.Snmp;

namespace City.Sim.Vms;

/// <summary>
/// A simulated NTCIP 1203 text sign: a changeable message table whose rows go through modifyReq / validateReq (the MULTI
/// string checked against the sign's geometry, dmsMultiSyntaxError and its position set on error), dmsActivateMessage
/// (memory type, row status and CRC checked, dmsActivateMsgError set and genErr answered on a refusal), the current
/// buffer and dmsMsgTableSource, and injectable faults (failed pixels, lamps stuck off, doors, controller).
/// </summary>
internal sealed class SimSign
{
    public const int ChangeableRows = 4;
    public const int Lamps = 8;
    private const int CharacterHeight = 7;
    private const int CharacterWidth = 5;

    private readonly Lock _gate = new();
    private MibTable _messages = null!;
    private MultiSyntaxError _multiError = MultiSyntaxError.None;
    private int _multiErrorPosition;
    private ActivateMessageError _activateError = ActivateMessageError.None;
    private MessageIdCode _source = new(MessageMemoryType.Blank, 1, 0);
    private string _currentMulti = string.Empty;
    private int _pixelFailures;
    private int _lampsStuckOff;
    private int _doorsOpen;
    private int _controllerErrors;

    public SimSign(int lines, int columns)
    {
        Geometry = new SignGeometry(lines, columns, 6, new HashSet<int> { 1 });
    }

    public SignGeometry Geometry { get; }

    /// <summary>Raised after the sign shows another message (its MULTI string; empty when blanked).</summary>
    public event Action<string>? Showing;

    public string CurrentMulti
    {
        get
        {
            lock (_gate)
            {
                return _currentMulti;
            }
        }
    }

    public SignStatus Status
    {
        get
        {
            lock (_gate)
            {
                var errors = ShortErrorStatus.None;
                if (_pixelFailures > 0)
                {
                    errors |= ShortErrorStatus.Pixel;
                }

                if (_lampsStuckOff != 0)
                {
                    errors |= ShortErrorStatus.Lamp;
                }

                if (_doorsOpen != 0)
                {
                    errors |= ShortErrorStatus.DoorOpen;
                }

                if (_controllerErrors != 0)
                {
                    errors |= ShortErrorStatus.Controller;
                }

                return new SignStatus(errors, _pixelFailures, System.Numerics.BitOperations.PopCount((uint)_lampsStuckOff), 0, _doorsOpen, _controllerErrors);
            }
        }
    }

    public void SetPixelFailures(int count)
    {
        lock (_gate)
        {
            _pixelFailures = Math.Max(0, count);
        }
    }

    /// <summary>Lamp (LED string) 1-8 stuck off, or working again.</summary>
    public void SetLampFailed(int lamp, bool failed)
    {
        lock (_gate)
        {
            _lampsStuckOff = failed ? _lampsStuckOff | (1 << (lamp - 1)) : _lampsStuckOff & ~(1 << (lamp - 1));
        }
    }

    public void SetDoorOpen(bool open)
    {
        lock (_gate)
        {
            _doorsOpen = open ? 1 : 0;
        }
    }

    public void SetControllerError(bool failed)
    {
        lock (_gate)
        {
            _controllerErrors = failed ? 1 : 0;
        }
    }

    /// <summary>Registers the sign's objects (DmsObjects) in <paramref name="mib"/>.</summary>
    public void Register(MibTree mib)
    {
        ArgumentNullException.ThrowIfNull(mib);
        Scalar(mib, DmsObjects.VmsCharacterHeightPixels, SnmpValue.Integer(CharacterHeight));
        Scalar(mib, DmsObjects.VmsCharacterWidthPixels, SnmpValue.Integer(CharacterWidth));
        Scalar(mib, DmsObjects.VmsSignHeightPixels, SnmpValue.Integer(CharacterHeight * Geometry.LinesPerPage));
        Scalar(mib, DmsObjects.VmsSignWidthPixels, SnmpValue.Integer(CharacterWidth * Geometry.CharactersPerLine));
        Scalar(mib, DmsObjects.DefaultFont, SnmpValue.Integer(1));
        Scalar(mib, DmsObjects.DmsMaxNumberPages, SnmpValue.Integer(Geometry.MaxPages));
        Scalar(mib, DmsObjects.DmsMaxMultiStringLength, SnmpValue.Integer(Geometry.MaxMultiLength));

        _messages = new MibTable(DmsObjects.DmsMessageEntry,
        [
            new MibColumn(DmsObjects.MessageMultiStringColumn, SnmpValueType.OctetString, Writable: true),
            new MibColumn(DmsObjects.MessageOwnerColumn, SnmpValueType.OctetString, Writable: true),
            new MibColumn(DmsObjects.MessageCrcColumn, SnmpValueType.Integer),
            new MibColumn(DmsObjects.MessageBeaconColumn, SnmpValueType.Integer, Writable: true),
            new MibColumn(DmsObjects.MessagePixelServiceColumn, SnmpValueType.Integer, Writable: true),
            new MibColumn(DmsObjects.MessageRunTimePriorityColumn, SnmpValueType.Integer, Writable: true),
            new MibColumn(DmsObjects.MessageStatusColumn, SnmpValueType.Integer, Writable: true),
        ])
        {
            ValidateWrite = ValidateMessageWrite,
        };
        for (int row = 1; row <= ChangeableRows; row++)
        {
            _messages.SetRow(Index(MessageMemoryType.Changeable, row), Row(string.Empty, MessageStatus.NotUsed));
        }

        _messages.SetRow(Index(MessageMemoryType.CurrentBuffer, 1), Row(string.Empty, MessageStatus.Valid));
        _messages.SetRow(Index(MessageMemoryType.Blank, 1), Row(string.Empty, MessageStatus.Valid));
        _messages.CellWritten += OnMessageWritten;
        mib.Add(_messages);

        Scalar(mib, DmsObjects.DmsControlMode, SnmpValue.Integer(4)); // central(4)
        Scalar(mib, DmsObjects.DmsActivateMessage, () => SnmpValue.OctetString(MessageActivationCode.Blank(255, IPAddress.Any).Encode()),
            new MibWrite(SnmpValueType.OctetString, value => Activate(value.AsBytes()), value => CheckActivation(value.AsBytes())));
        Scalar(mib, DmsObjects.DmsMessageTimeRemaining, () => SnmpValue.Integer(MessageActivationCode.Indefinite));
        Scalar(mib, DmsObjects.DmsMsgTableSource, () => SnmpValue.OctetString(Locked(() => _source).Encode()));
        Scalar(mib, DmsObjects.DmsActivateMsgError, () => SnmpValue.Integer((int)Locked(() => _activateError)));
        Scalar(mib, DmsObjects.DmsMultiSyntaxError, () => SnmpValue.Integer((int)Locked(() => _multiError)));
        Scalar(mib, DmsObjects.DmsMultiSyntaxErrorPosition, () => SnmpValue.Integer(Locked(() => _multiErrorPosition)));

        Scalar(mib, DmsObjects.DmsStatDoorOpen, () => SnmpValue.Integer(Status.DoorsOpen));
        Scalar(mib, DmsObjects.ShortErrorStatus, () => SnmpValue.Integer((int)Status.Errors));
        Scalar(mib, DmsObjects.PixelFailureTableNumRows, () => SnmpValue.Integer(Status.PixelFailures));
        Scalar(mib, DmsObjects.LampFailureStuckOn, () => SnmpValue.OctetString([0]));
        Scalar(mib, DmsObjects.LampFailureStuckOff, () => SnmpValue.OctetString([(byte)Locked(() => _lampsStuckOff)]));
        Scalar(mib, DmsObjects.ControllerErrorStatus, () => SnmpValue.Integer(Status.ControllerErrors));
    }

    /// <summary>A scalar by its instance OID (DmsObjects names instances, ".0"; the MIB takes the object).</summary>
    private static void Scalar(MibTree mib, Oid instance, SnmpValue value) => mib.AddScalar(instance.Prefix(instance.Length - 1), value);

    private static void Scalar(MibTree mib, Oid instance, Func<SnmpValue> read, MibWrite? write = null) => mib.AddScalar(instance.Prefix(instance.Length - 1), read, write);

    private T Locked<T>(Func<T> read)
    {
        lock (_gate)
        {
            return read();
        }
    }

    private static Oid Index(MessageMemoryType memory, int number) => new((uint)memory, (uint)number);

    private static Dictionary<uint, SnmpValue> Row(string multi, MessageStatus status) => new()
    {
        [DmsObjects.MessageMultiStringColumn] = SnmpValue.OctetString(multi),
        [DmsObjects.MessageOwnerColumn] = SnmpValue.OctetString(string.Empty),
        [DmsObjects.MessageCrcColumn] = SnmpValue.Integer(MessageCrc.Of(multi, 0, 0)),
        [DmsObjects.MessageBeaconColumn] = SnmpValue.Integer(0),
        [DmsObjects.MessagePixelServiceColumn] = SnmpValue.Integer(0),
        [DmsObjects.MessageRunTimePriorityColumn] = SnmpValue.Integer(255),
        [DmsObjects.MessageStatusColumn] = SnmpValue.Integer((int)status),
    };

    private MessageStatus RowStatus(Oid index) => (MessageStatus)(_messages.GetCell(index, DmsObjects.MessageStatusColumn)?.AsInt32() ?? 0);

    private SnmpErrorStatus ValidateMessageWrite(uint column, Oid index, SnmpValue value)
    {
        if (index[0] != (uint)MessageMemoryType.Changeable)
        {
            return SnmpErrorStatus.NotWritable;
        }

        if (column == DmsObjects.MessageStatusColumn)
        {
            return value.AsInt32() is (int)MessageStatus.ModifyReq or (int)MessageStatus.ValidateReq or (int)MessageStatus.NotUsedReq
                ? SnmpErrorStatus.NoError
                : SnmpErrorStatus.WrongValue;
        }

        // The other columns change only while the row is being modified (NTCIP 1203's message table state machine).
        return RowStatus(index) == MessageStatus.Modifying ? SnmpErrorStatus.NoError : SnmpErrorStatus.GenErr;
    }

    private void OnMessageWritten(uint column, Oid index, SnmpValue value)
    {
        if (column != DmsObjects.MessageStatusColumn)
        {
            return;
        }

        switch ((MessageStatus)value.AsInt32())
        {
            case MessageStatus.ModifyReq:
                _messages.SetCell(index, DmsObjects.MessageStatusColumn, SnmpValue.Integer((int)MessageStatus.Modifying));
                break;
            case MessageStatus.NotUsedReq:
                _messages.SetRow(index, Row(string.Empty, MessageStatus.NotUsed));
                break;
            case MessageStatus.ValidateReq:
                Validate(index);
                break;
        }
    }

    private void Validate(Oid index)
    {
        string multi = _messages.GetCell(index, DmsObjects.MessageMultiStringColumn)!.AsString();
        int beacon = _messages.GetCell(index, DmsObjects.MessageBeaconColumn)!.AsInt32();
        int pixelService = _messages.GetCell(index, DmsObjects.MessagePixelServiceColumn)!.AsInt32();
        var problem = MultiParser.Validate(multi, Geometry);
        lock (_gate)
        {
            _multiError = problem?.Error ?? MultiSyntaxError.None;
            _multiErrorPosition = problem?.Position ?? 0;
        }

        _messages.SetCell(index, DmsObjects.MessageCrcColumn, SnmpValue.Integer(MessageCrc.Of(multi, beacon, pixelService)));
        _messages.SetCell(index, DmsObjects.MessageStatusColumn, SnmpValue.Integer((int)(problem is null ? MessageStatus.Valid : MessageStatus.Error)));
    }

    private SnmpErrorStatus CheckActivation(ReadOnlySpan<byte> bytes)
    {
        var error = ActivationError(bytes);
        lock (_gate)
        {
            _activateError = error;
        }

        return error == ActivateMessageError.None ? SnmpErrorStatus.NoError : SnmpErrorStatus.GenErr;
    }

    private ActivateMessageError ActivationError(ReadOnlySpan<byte> bytes)
    {
        if (!MessageActivationCode.TryDecode(bytes, out var code) || code is null)
        {
            return ActivateMessageError.Other;
        }

        if (code.Memory == MessageMemoryType.Blank)
        {
            return ActivateMessageError.None;
        }

        if (code.Memory != MessageMemoryType.Changeable)
        {
            return ActivateMessageError.MessageMemoryType;
        }

        if (code.MessageNumber is < 1 or > ChangeableRows)
        {
            return ActivateMessageError.MessageNumber;
        }

        var index = Index(code.Memory, code.MessageNumber);
        if (RowStatus(index) != MessageStatus.Valid)
        {
            return ActivateMessageError.MessageStatus;
        }

        return _messages.GetCell(index, DmsObjects.MessageCrcColumn)!.AsInt32() == code.Crc ? ActivateMessageError.None : ActivateMessageError.MessageCrc;
    }

    private void Activate(ReadOnlySpan<byte> bytes)
    {
        MessageActivationCode.TryDecode(bytes, out var code);
        string multi = code!.Memory == MessageMemoryType.Blank
            ? string.Empty
            : _messages.GetCell(Index(code.Memory, code.MessageNumber), DmsObjects.MessageMultiStringColumn)!.AsString();
        lock (_gate)
        {
            _source = new MessageIdCode(code.Memory, code.MessageNumber, code.Crc);
            _currentMulti = multi;
        }

        _messages.SetCell(Index(MessageMemoryType.CurrentBuffer, 1), DmsObjects.MessageMultiStringColumn, SnmpValue.OctetString(multi));
        Showing?.Invoke(multi);
    }
}
