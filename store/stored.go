package store

import (
	"google.golang.org/protobuf/proto"

	acv3 "github.com/bookingserver/bookingserver/gen/actionscenter/v3"
	bsv1 "github.com/bookingserver/bookingserver/gen/bookingserver/v1"
)

// The store boundary between the records the core works with, which carry Google's
// actionscenter.v3 messages, and what both stores write (proto/bookingserver/v1/
// stored.proto), which is ours: a change of Google's proto is then a change of this
// file, never of the disk format. Every conversion is written out field by field;
// stored_test.go fails when a field of either side is left out.

// recordMarshal encodes every record the stores write: deterministic, so that equal
// records are equal bytes.
var recordMarshal = proto.MarshalOptions{Deterministic: true}

// marshal encodes m in its stored form.
func marshal(m proto.Message) ([]byte, error) {
	return recordMarshal.Marshal(storedForm(m))
}

// storedForm is the message written for m: its stored counterpart where m carries
// Google's types, else m itself.
func storedForm(m proto.Message) proto.Message {
	switch r := m.(type) {
	case *bsv1.BookingRecord:
		return storedBookingRecord(r)
	case *bsv1.OutboxRecord:
		return storedOutboxRecord(r)
	case *bsv1.ServiceCart:
		return storedServiceCart(r)
	case *bsv1.SlotRecord:
		return storedSlotRecord(r.GetAvailability())
	}
	return m
}

// unmarshalStored decodes raw, written by marshal, into m.
func unmarshalStored(raw []byte, m proto.Message) error {
	switch r := m.(type) {
	case *bsv1.BookingRecord:
		return unmarshalInto(raw, &bsv1.StoredBookingRecord{}, r, setBookingRecord)
	case *bsv1.OutboxRecord:
		return unmarshalInto(raw, &bsv1.StoredOutboxRecord{}, r, setOutboxRecord)
	case *bsv1.ServiceCart:
		return unmarshalInto(raw, &bsv1.StoredServiceCart{}, r, setServiceCart)
	case *bsv1.SlotRecord:
		return unmarshalInto(raw, &bsv1.StoredSlotRecord{}, r, setSlotRecord)
	}
	return proto.Unmarshal(raw, m)
}

// unmarshalInto decodes raw into its stored form s, then sets every field of m from
// it (m is the caller's target, so it is filled in place rather than replaced).
func unmarshalInto[W, S proto.Message](raw []byte, s S, m W, set func(W, S)) error {
	if err := proto.Unmarshal(raw, s); err != nil {
		return err
	}
	set(m, s)
	return nil
}

func storedBookingRecord(r *bsv1.BookingRecord) *bsv1.StoredBookingRecord {
	return &bsv1.StoredBookingRecord{
		Booking:           storedBooking(r.GetBooking()),
		Channel:           r.GetChannel(),
		IdempotencyToken:  r.GetIdempotencyToken(),
		CreatedUnix:       r.GetCreatedUnix(),
		UpdatedUnix:       r.GetUpdatedUnix(),
		SlotKey:           r.GetSlotKey(),
		AdditionalRequest: r.GetAdditionalRequest(),
		Payment:           r.GetPayment(),
	}
}

func setBookingRecord(r *bsv1.BookingRecord, s *bsv1.StoredBookingRecord) {
	r.Booking = wireBooking(s.GetBooking())
	r.Channel = s.GetChannel()
	r.IdempotencyToken = s.GetIdempotencyToken()
	r.CreatedUnix = s.GetCreatedUnix()
	r.UpdatedUnix = s.GetUpdatedUnix()
	r.SlotKey = s.GetSlotKey()
	r.AdditionalRequest = s.GetAdditionalRequest()
	r.Payment = s.GetPayment()
}

func storedBooking(b *acv3.Booking) *bsv1.StoredBooking {
	if b == nil {
		return nil
	}
	return &bsv1.StoredBooking{
		BookingId:          b.GetBookingId(),
		Slot:               storedSlot(b.GetSlot()),
		UserInformation:    storedUserInformation(b.GetUserInformation()),
		Status:             bookingStatuses.stored(b.GetStatus()),
		PaymentInformation: storedPaymentInformation(b.GetPaymentInformation()),
		VirtualSessionInfo: storedVirtualSessionInfo(b.GetVirtualSessionInfo()),
		OfferInfo:          storedOfferInfo(b.GetOfferInfo()),
	}
}

func wireBooking(b *bsv1.StoredBooking) *acv3.Booking {
	if b == nil {
		return nil
	}
	return &acv3.Booking{
		BookingId:          b.GetBookingId(),
		Slot:               wireSlot(b.GetSlot()),
		UserInformation:    wireUserInformation(b.GetUserInformation()),
		Status:             bookingStatuses.wire(b.GetStatus()),
		PaymentInformation: wirePaymentInformation(b.GetPaymentInformation()),
		VirtualSessionInfo: wireVirtualSessionInfo(b.GetVirtualSessionInfo()),
		OfferInfo:          wireOfferInfo(b.GetOfferInfo()),
	}
}

func storedSlot(s *acv3.Slot) *bsv1.StoredSlot {
	if s == nil {
		return nil
	}
	return &bsv1.StoredSlot{
		MerchantId:       s.GetMerchantId(),
		ServiceId:        s.GetServiceId(),
		StartSec:         s.GetStartSec(),
		DurationSec:      s.GetDurationSec(),
		AvailabilityTag:  s.GetAvailabilityTag(),
		Resources:        storedResourceIds(s.GetResources()),
		ConfirmationMode: confirmationModes.stored(s.GetConfirmationMode()),
	}
}

func wireSlot(s *bsv1.StoredSlot) *acv3.Slot {
	if s == nil {
		return nil
	}
	return &acv3.Slot{
		MerchantId:       s.GetMerchantId(),
		ServiceId:        s.GetServiceId(),
		StartSec:         s.GetStartSec(),
		DurationSec:      s.GetDurationSec(),
		AvailabilityTag:  s.GetAvailabilityTag(),
		Resources:        wireResourceIds(s.GetResources()),
		ConfirmationMode: confirmationModes.wire(s.GetConfirmationMode()),
	}
}

func storedResourceIds(r *acv3.ResourceIds) *bsv1.StoredResourceIds {
	if r == nil {
		return nil
	}
	return &bsv1.StoredResourceIds{StaffId: r.GetStaffId(), RoomId: r.GetRoomId(), PartySize: r.GetPartySize()}
}

func wireResourceIds(r *bsv1.StoredResourceIds) *acv3.ResourceIds {
	if r == nil {
		return nil
	}
	return &acv3.ResourceIds{StaffId: r.GetStaffId(), RoomId: r.GetRoomId(), PartySize: r.GetPartySize()}
}

func storedUserInformation(u *acv3.UserInformation) *bsv1.StoredUserInformation {
	if u == nil {
		return nil
	}
	return &bsv1.StoredUserInformation{
		UserId:       u.GetUserId(),
		GivenName:    u.GetGivenName(),
		FamilyName:   u.GetFamilyName(),
		Address:      storedPostalAddress(u.GetAddress()),
		Telephone:    u.GetTelephone(),
		Email:        u.GetEmail(),
		LanguageCode: u.GetLanguageCode(),
	}
}

func wireUserInformation(u *bsv1.StoredUserInformation) *acv3.UserInformation {
	if u == nil {
		return nil
	}
	return &acv3.UserInformation{
		UserId:       u.GetUserId(),
		GivenName:    u.GetGivenName(),
		FamilyName:   u.GetFamilyName(),
		Address:      wirePostalAddress(u.GetAddress()),
		Telephone:    u.GetTelephone(),
		Email:        u.GetEmail(),
		LanguageCode: u.GetLanguageCode(),
	}
}

func storedPostalAddress(a *acv3.PostalAddress) *bsv1.StoredPostalAddress {
	if a == nil {
		return nil
	}
	return &bsv1.StoredPostalAddress{
		Country:       a.GetCountry(),
		Locality:      a.GetLocality(),
		Region:        a.GetRegion(),
		PostalCode:    a.GetPostalCode(),
		StreetAddress: a.GetStreetAddress(),
	}
}

func wirePostalAddress(a *bsv1.StoredPostalAddress) *acv3.PostalAddress {
	if a == nil {
		return nil
	}
	return &acv3.PostalAddress{
		Country:       a.GetCountry(),
		Locality:      a.GetLocality(),
		Region:        a.GetRegion(),
		PostalCode:    a.GetPostalCode(),
		StreetAddress: a.GetStreetAddress(),
	}
}

func storedPaymentInformation(p *acv3.PaymentInformation) *bsv1.StoredPaymentInformation {
	if p == nil {
		return nil
	}
	return &bsv1.StoredPaymentInformation{
		PrepaymentStatus:     prepaymentStatuses.stored(p.GetPrepaymentStatus()),
		PaymentTransactionId: p.GetPaymentTransactionId(),
		Price:                storedPrice(p.GetPrice()),
		TaxAmount:            storedPrice(p.GetTaxAmount()),
		PaymentProcessedBy:   paymentProcessors.stored(p.GetPaymentProcessedBy()),
		PaymentOptionId:      p.GetPaymentOptionId(),
		UserPaymentOptionId:  p.GetUserPaymentOptionId(),
		Deposit:              storedDeposit(p.GetDeposit()),
		NoShowFee:            storedNoShowFee(p.GetNoShowFee()),
		FraudSignals:         p.GetFraudSignals(),
		Fees:                 storedPrice(p.GetFees()),
		FeesAndTaxes:         storedPrice(p.GetFeesAndTaxes()),
		PaResponse:           p.GetPaResponse(),
		MdMerchantData:       p.GetMdMerchantData(),
	}
}

func wirePaymentInformation(p *bsv1.StoredPaymentInformation) *acv3.PaymentInformation {
	if p == nil {
		return nil
	}
	return &acv3.PaymentInformation{
		PrepaymentStatus:     prepaymentStatuses.wire(p.GetPrepaymentStatus()),
		PaymentTransactionId: p.GetPaymentTransactionId(),
		Price:                wirePrice(p.GetPrice()),
		TaxAmount:            wirePrice(p.GetTaxAmount()),
		PaymentProcessedBy:   paymentProcessors.wire(p.GetPaymentProcessedBy()),
		PaymentOptionId:      p.GetPaymentOptionId(),
		UserPaymentOptionId:  p.GetUserPaymentOptionId(),
		Deposit:              wireDeposit(p.GetDeposit()),
		NoShowFee:            wireNoShowFee(p.GetNoShowFee()),
		FraudSignals:         p.GetFraudSignals(),
		Fees:                 wirePrice(p.GetFees()),
		FeesAndTaxes:         wirePrice(p.GetFeesAndTaxes()),
		PaResponse:           p.GetPaResponse(),
		MdMerchantData:       p.GetMdMerchantData(),
	}
}

func storedPrice(p *acv3.Price) *bsv1.StoredPrice {
	if p == nil {
		return nil
	}
	return &bsv1.StoredPrice{PriceMicros: p.GetPriceMicros(), CurrencyCode: p.GetCurrencyCode(), PricingOptionTag: p.GetPricingOptionTag()}
}

func wirePrice(p *bsv1.StoredPrice) *acv3.Price {
	if p == nil {
		return nil
	}
	return &acv3.Price{PriceMicros: p.GetPriceMicros(), CurrencyCode: p.GetCurrencyCode(), PricingOptionTag: p.GetPricingOptionTag()}
}

func storedDeposit(d *acv3.Deposit) *bsv1.StoredDeposit {
	if d == nil {
		return nil
	}
	return &bsv1.StoredDeposit{
		Deposit:                   storedPrice(d.GetDeposit()),
		MinAdvanceCancellationSec: d.GetMinAdvanceCancellationSec(),
		DepositType:               priceTypes.stored(d.GetDepositType()),
	}
}

func wireDeposit(d *bsv1.StoredDeposit) *acv3.Deposit {
	if d == nil {
		return nil
	}
	return &acv3.Deposit{
		Deposit:                   wirePrice(d.GetDeposit()),
		MinAdvanceCancellationSec: d.GetMinAdvanceCancellationSec(),
		DepositType:               priceTypes.wire(d.GetDepositType()),
	}
}

func storedNoShowFee(f *acv3.NoShowFee) *bsv1.StoredNoShowFee {
	if f == nil {
		return nil
	}
	return &bsv1.StoredNoShowFee{Fee: storedPrice(f.GetFee()), FeeType: priceTypes.stored(f.GetFeeType())}
}

func wireNoShowFee(f *bsv1.StoredNoShowFee) *acv3.NoShowFee {
	if f == nil {
		return nil
	}
	return &acv3.NoShowFee{Fee: wirePrice(f.GetFee()), FeeType: priceTypes.wire(f.GetFeeType())}
}

func storedVirtualSessionInfo(v *acv3.VirtualSessionInfo) *bsv1.StoredVirtualSessionInfo {
	if v == nil {
		return nil
	}
	return &bsv1.StoredVirtualSessionInfo{SessionUrl: v.GetSessionUrl(), MeetingId: v.GetMeetingId(), Password: v.GetPassword()}
}

func wireVirtualSessionInfo(v *bsv1.StoredVirtualSessionInfo) *acv3.VirtualSessionInfo {
	if v == nil {
		return nil
	}
	return &acv3.VirtualSessionInfo{SessionUrl: v.GetSessionUrl(), MeetingId: v.GetMeetingId(), Password: v.GetPassword()}
}

func storedOfferInfo(o *acv3.OfferInfo) *bsv1.StoredOfferInfo {
	if o == nil {
		return nil
	}
	return &bsv1.StoredOfferInfo{OfferId: o.GetOfferId()}
}

func wireOfferInfo(o *bsv1.StoredOfferInfo) *acv3.OfferInfo {
	if o == nil {
		return nil
	}
	return &acv3.OfferInfo{OfferId: o.GetOfferId()}
}

func storedOutboxRecord(r *bsv1.OutboxRecord) *bsv1.StoredOutboxRecord {
	return &bsv1.StoredOutboxRecord{
		Id:              r.GetId(),
		Notification:    storedNotification(r.GetNotification()),
		State:           r.GetState(),
		Attempts:        r.GetAttempts(),
		NextAttemptUnix: r.GetNextAttemptUnix(),
		CreatedUnix:     r.GetCreatedUnix(),
		Failures:        r.GetFailures(),
		CreatedUnixNano: r.GetCreatedUnixNano(),
		DeliveredUnix:   r.GetDeliveredUnix(),
	}
}

func setOutboxRecord(r *bsv1.OutboxRecord, s *bsv1.StoredOutboxRecord) {
	r.Id = s.GetId()
	r.Notification = wireNotification(s.GetNotification())
	r.State = s.GetState()
	r.Attempts = s.GetAttempts()
	r.NextAttemptUnix = s.GetNextAttemptUnix()
	r.CreatedUnix = s.GetCreatedUnix()
	r.Failures = s.GetFailures()
	r.CreatedUnixNano = s.GetCreatedUnixNano()
	r.DeliveredUnix = s.GetDeliveredUnix()
}

func storedNotification(n *bsv1.Notification) *bsv1.StoredNotification {
	if n == nil {
		return nil
	}
	return &bsv1.StoredNotification{
		BookingId:            n.GetBookingId(),
		MerchantId:           n.GetMerchantId(),
		ServiceId:            n.GetServiceId(),
		StartSec:             n.GetStartSec(),
		DurationSec:          n.GetDurationSec(),
		PartySize:            n.GetPartySize(),
		Status:               bookingStatuses.stored(n.GetStatus()),
		PrepaymentStatus:     prepaymentStatuses.stored(n.GetPrepaymentStatus()),
		PaymentTransactionId: n.GetPaymentTransactionId(),
		UpdateMask:           n.GetUpdateMask(),
	}
}

func wireNotification(n *bsv1.StoredNotification) *bsv1.Notification {
	if n == nil {
		return nil
	}
	return &bsv1.Notification{
		BookingId:            n.GetBookingId(),
		MerchantId:           n.GetMerchantId(),
		ServiceId:            n.GetServiceId(),
		StartSec:             n.GetStartSec(),
		DurationSec:          n.GetDurationSec(),
		PartySize:            n.GetPartySize(),
		Status:               bookingStatuses.wire(n.GetStatus()),
		PrepaymentStatus:     prepaymentStatuses.wire(n.GetPrepaymentStatus()),
		PaymentTransactionId: n.GetPaymentTransactionId(),
		UpdateMask:           n.GetUpdateMask(),
	}
}

func storedServiceCart(c *bsv1.ServiceCart) *bsv1.StoredServiceCart {
	return &bsv1.StoredServiceCart{
		MerchantId:  c.GetMerchantId(),
		ServiceId:   c.GetServiceId(),
		Enabled:     c.GetEnabled(),
		ProductId:   c.GetProductId(),
		Amount:      storedPrice(c.GetAmount()),
		PolicyText:  c.GetPolicyText(),
		UpdatedUnix: c.GetUpdatedUnix(),
	}
}

func setServiceCart(c *bsv1.ServiceCart, s *bsv1.StoredServiceCart) {
	c.MerchantId = s.GetMerchantId()
	c.ServiceId = s.GetServiceId()
	c.Enabled = s.GetEnabled()
	c.ProductId = s.GetProductId()
	c.Amount = wirePrice(s.GetAmount())
	c.PolicyText = s.GetPolicyText()
	c.UpdatedUnix = s.GetUpdatedUnix()
}

func storedSlotRecord(a *acv3.Availability) *bsv1.StoredSlotRecord {
	return &bsv1.StoredSlotRecord{Availability: storedAvailability(a)}
}

func setSlotRecord(r *bsv1.SlotRecord, s *bsv1.StoredSlotRecord) {
	r.Availability = wireAvailability(s.GetAvailability())
}

func storedAvailability(a *acv3.Availability) *bsv1.StoredAvailability {
	if a == nil {
		return nil
	}
	s := &bsv1.StoredAvailability{
		MerchantId:          a.GetMerchantId(),
		ServiceId:           a.GetServiceId(),
		StartSec:            a.GetStartSec(),
		DurationSec:         a.GetDurationSec(),
		SpotsTotal:          a.GetSpotsTotal(),
		SpotsOpen:           a.GetSpotsOpen(),
		AvailabilityTag:     a.GetAvailabilityTag(),
		Resources:           storedResources(a.GetResources()),
		PaymentOptionId:     a.GetPaymentOptionId(),
		Deposit:             storedDeposit(a.GetDeposit()),
		NoShowFee:           storedNoShowFee(a.GetNoShowFee()),
		RequireCreditCard:   requireCreditCards.stored(a.GetRequireCreditCard()),
		TicketTypeId:        a.GetTicketTypeId(),
		DurationRequirement: durationRequirements.stored(a.GetDurationRequirement()),
		ConfirmationMode:    confirmationModes.stored(a.GetConfirmationMode()),
		Prepayment:          storedPrepayment(a.GetPrepayment()),
	}
	if r := a.GetRecurrence(); r != nil {
		s.Recurrence = &bsv1.StoredAvailability_Recurrence{RepeatUntilSec: r.GetRepeatUntilSec(), RepeatEverySec: r.GetRepeatEverySec()}
	}
	for _, e := range a.GetScheduleException() {
		s.ScheduleException = append(s.ScheduleException, &bsv1.StoredAvailability_ScheduleException{TimeRange: storedTimeRange(e.GetTimeRange())})
	}
	if o := a.GetSchedulingRuleOverrides(); o != nil {
		s.SchedulingRuleOverrides = &bsv1.StoredAvailability_SchedulingRuleOverrides{
			LastBookableSec:          o.GetLastBookableSec(),
			FirstBookableSec:         o.GetFirstBookableSec(),
			LastOnlineCancellableSec: o.GetLastOnlineCancellableSec(),
		}
	}
	return s
}

func wireAvailability(s *bsv1.StoredAvailability) *acv3.Availability {
	if s == nil {
		return nil
	}
	a := &acv3.Availability{
		MerchantId:          s.GetMerchantId(),
		ServiceId:           s.GetServiceId(),
		StartSec:            s.GetStartSec(),
		DurationSec:         s.GetDurationSec(),
		SpotsTotal:          s.GetSpotsTotal(),
		SpotsOpen:           s.GetSpotsOpen(),
		AvailabilityTag:     s.GetAvailabilityTag(),
		Resources:           wireResources(s.GetResources()),
		PaymentOptionId:     s.GetPaymentOptionId(),
		Deposit:             wireDeposit(s.GetDeposit()),
		NoShowFee:           wireNoShowFee(s.GetNoShowFee()),
		RequireCreditCard:   requireCreditCards.wire(s.GetRequireCreditCard()),
		TicketTypeId:        s.GetTicketTypeId(),
		DurationRequirement: durationRequirements.wire(s.GetDurationRequirement()),
		ConfirmationMode:    confirmationModes.wire(s.GetConfirmationMode()),
		Prepayment:          wirePrepayment(s.GetPrepayment()),
	}
	if r := s.GetRecurrence(); r != nil {
		a.Recurrence = &acv3.Availability_Recurrence{RepeatUntilSec: r.GetRepeatUntilSec(), RepeatEverySec: r.GetRepeatEverySec()}
	}
	for _, e := range s.GetScheduleException() {
		a.ScheduleException = append(a.ScheduleException, &acv3.Availability_ScheduleException{TimeRange: wireTimeRange(e.GetTimeRange())})
	}
	if o := s.GetSchedulingRuleOverrides(); o != nil {
		a.SchedulingRuleOverrides = &acv3.Availability_SchedulingRuleOverrides{
			LastBookableSec:          o.GetLastBookableSec(),
			FirstBookableSec:         o.GetFirstBookableSec(),
			LastOnlineCancellableSec: o.GetLastOnlineCancellableSec(),
		}
	}
	return a
}

func storedTimeRange(r *acv3.TimeRange) *bsv1.StoredTimeRange {
	if r == nil {
		return nil
	}
	return &bsv1.StoredTimeRange{StartSec: r.GetStartSec(), EndSec: r.GetEndSec()}
}

func wireTimeRange(r *bsv1.StoredTimeRange) *acv3.TimeRange {
	if r == nil {
		return nil
	}
	return &acv3.TimeRange{StartSec: r.GetStartSec(), EndSec: r.GetEndSec()}
}

func storedResources(r *acv3.Resources) *bsv1.StoredResources {
	if r == nil {
		return nil
	}
	return &bsv1.StoredResources{
		StaffId:         r.GetStaffId(),
		StaffName:       r.GetStaffName(),
		RoomId:          r.GetRoomId(),
		RoomName:        r.GetRoomName(),
		PartySize:       r.GetPartySize(),
		RoomDescription: storedText(r.GetRoomDescription()),
	}
}

func wireResources(r *bsv1.StoredResources) *acv3.Resources {
	if r == nil {
		return nil
	}
	return &acv3.Resources{
		StaffId:         r.GetStaffId(),
		StaffName:       r.GetStaffName(),
		RoomId:          r.GetRoomId(),
		RoomName:        r.GetRoomName(),
		PartySize:       r.GetPartySize(),
		RoomDescription: wireText(r.GetRoomDescription()),
	}
}

func storedText(t *acv3.Text) *bsv1.StoredText {
	if t == nil {
		return nil
	}
	s := &bsv1.StoredText{Value: t.GetValue()}
	for _, l := range t.GetLocalizedValue() {
		s.LocalizedValue = append(s.LocalizedValue, &bsv1.StoredLocalizedString{Locale: l.GetLocale(), Value: l.GetValue()})
	}
	return s
}

func wireText(s *bsv1.StoredText) *acv3.Text {
	if s == nil {
		return nil
	}
	t := &acv3.Text{Value: s.GetValue()}
	for _, l := range s.GetLocalizedValue() {
		t.LocalizedValue = append(t.LocalizedValue, &acv3.LocalizedString{Locale: l.GetLocale(), Value: l.GetValue()})
	}
	return t
}

func storedPrepayment(p *acv3.Prepayment) *bsv1.StoredPrepayment {
	if p == nil {
		return nil
	}
	s := &bsv1.StoredPrepayment{}
	if i := p.GetPriceInfo(); i != nil {
		s.PriceInfo = &bsv1.StoredPriceInfo{Price: storedPrice(i.GetPrice()), PriceType: priceTypes.stored(i.GetPriceType())}
	}
	return s
}

func wirePrepayment(s *bsv1.StoredPrepayment) *acv3.Prepayment {
	if s == nil {
		return nil
	}
	p := &acv3.Prepayment{}
	if i := s.GetPriceInfo(); i != nil {
		p.PriceInfo = &acv3.PriceInfo{Price: wirePrice(i.GetPrice()), PriceType: priceTypes.wire(i.GetPriceType())}
	}
	return p
}

// enumMap pairs the values of one of Google's enums with ours. A number neither side
// names (a value of a newer Google proto, read from the wire) is kept as it is, as
// proto3 keeps unknown enum numbers, rather than lost.
type enumMap[W, S ~int32] struct {
	toStored map[W]S
	toWire   map[S]W
}

func newEnumMap[W, S ~int32](pairs map[W]S) enumMap[W, S] {
	m := enumMap[W, S]{toStored: pairs, toWire: make(map[S]W, len(pairs))}
	for w, s := range pairs {
		m.toWire[s] = w
	}
	return m
}

func (m enumMap[W, S]) stored(w W) S {
	if s, ok := m.toStored[w]; ok {
		return s
	}
	return S(w)
}

func (m enumMap[W, S]) wire(s S) W {
	if w, ok := m.toWire[s]; ok {
		return w
	}
	return W(s)
}

var (
	bookingStatuses = newEnumMap(map[acv3.BookingStatus]bsv1.StoredBookingStatus{
		acv3.BookingStatus_BOOKING_STATUS_UNSPECIFIED:    bsv1.StoredBookingStatus_STORED_BOOKING_STATUS_UNSPECIFIED,
		acv3.BookingStatus_CONFIRMED:                     bsv1.StoredBookingStatus_STORED_BOOKING_STATUS_CONFIRMED,
		acv3.BookingStatus_PENDING_MERCHANT_CONFIRMATION: bsv1.StoredBookingStatus_STORED_BOOKING_STATUS_PENDING_MERCHANT_CONFIRMATION,
		acv3.BookingStatus_CANCELED:                      bsv1.StoredBookingStatus_STORED_BOOKING_STATUS_CANCELED,
		acv3.BookingStatus_NO_SHOW:                       bsv1.StoredBookingStatus_STORED_BOOKING_STATUS_NO_SHOW,
		acv3.BookingStatus_NO_SHOW_PENALIZED:             bsv1.StoredBookingStatus_STORED_BOOKING_STATUS_NO_SHOW_PENALIZED,
		acv3.BookingStatus_FAILED:                        bsv1.StoredBookingStatus_STORED_BOOKING_STATUS_FAILED,
		acv3.BookingStatus_DECLINED_BY_MERCHANT:          bsv1.StoredBookingStatus_STORED_BOOKING_STATUS_DECLINED_BY_MERCHANT,
	})
	prepaymentStatuses = newEnumMap(map[acv3.PrepaymentStatus]bsv1.StoredPrepaymentStatus{
		acv3.PrepaymentStatus_PREPAYMENT_STATUS_UNSPECIFIED: bsv1.StoredPrepaymentStatus_STORED_PREPAYMENT_STATUS_UNSPECIFIED,
		acv3.PrepaymentStatus_PREPAYMENT_PROVIDED:           bsv1.StoredPrepaymentStatus_STORED_PREPAYMENT_STATUS_PROVIDED,
		acv3.PrepaymentStatus_PREPAYMENT_NOT_PROVIDED:       bsv1.StoredPrepaymentStatus_STORED_PREPAYMENT_STATUS_NOT_PROVIDED,
		acv3.PrepaymentStatus_PREPAYMENT_REFUNDED:           bsv1.StoredPrepaymentStatus_STORED_PREPAYMENT_STATUS_REFUNDED,
		acv3.PrepaymentStatus_PREPAYMENT_CREDITED:           bsv1.StoredPrepaymentStatus_STORED_PREPAYMENT_STATUS_CREDITED,
	})
	paymentProcessors = newEnumMap(map[acv3.PaymentProcessedBy]bsv1.StoredPaymentProcessedBy{
		acv3.PaymentProcessedBy_PAYMENT_PROCESSED_BY_UNSPECIFIED: bsv1.StoredPaymentProcessedBy_STORED_PAYMENT_PROCESSED_BY_UNSPECIFIED,
		acv3.PaymentProcessedBy_PROCESSED_BY_GOOGLE:              bsv1.StoredPaymentProcessedBy_STORED_PAYMENT_PROCESSED_BY_GOOGLE,
		acv3.PaymentProcessedBy_PROCESSED_BY_PARTNER:             bsv1.StoredPaymentProcessedBy_STORED_PAYMENT_PROCESSED_BY_PARTNER,
	})
	confirmationModes = newEnumMap(map[acv3.ConfirmationMode]bsv1.StoredConfirmationMode{
		acv3.ConfirmationMode_CONFIRMATION_MODE_UNSPECIFIED:  bsv1.StoredConfirmationMode_STORED_CONFIRMATION_MODE_UNSPECIFIED,
		acv3.ConfirmationMode_CONFIRMATION_MODE_SYNCHRONOUS:  bsv1.StoredConfirmationMode_STORED_CONFIRMATION_MODE_SYNCHRONOUS,
		acv3.ConfirmationMode_CONFIRMATION_MODE_ASYNCHRONOUS: bsv1.StoredConfirmationMode_STORED_CONFIRMATION_MODE_ASYNCHRONOUS,
	})
	requireCreditCards = newEnumMap(map[acv3.RequireCreditCard]bsv1.StoredRequireCreditCard{
		acv3.RequireCreditCard_REQUIRE_CREDIT_CARD_UNSPECIFIED: bsv1.StoredRequireCreditCard_STORED_REQUIRE_CREDIT_CARD_UNSPECIFIED,
		acv3.RequireCreditCard_REQUIRE_CREDIT_CARD_CONDITIONAL: bsv1.StoredRequireCreditCard_STORED_REQUIRE_CREDIT_CARD_CONDITIONAL,
		acv3.RequireCreditCard_REQUIRE_CREDIT_CARD_ALWAYS:      bsv1.StoredRequireCreditCard_STORED_REQUIRE_CREDIT_CARD_ALWAYS,
	})
	durationRequirements = newEnumMap(map[acv3.DurationRequirement]bsv1.StoredDurationRequirement{
		acv3.DurationRequirement_DURATION_REQUIREMENT_UNSPECIFIED: bsv1.StoredDurationRequirement_STORED_DURATION_REQUIREMENT_UNSPECIFIED,
		acv3.DurationRequirement_DO_NOT_SHOW_DURATION:             bsv1.StoredDurationRequirement_STORED_DURATION_REQUIREMENT_DO_NOT_SHOW,
		acv3.DurationRequirement_MUST_SHOW_DURATION:               bsv1.StoredDurationRequirement_STORED_DURATION_REQUIREMENT_MUST_SHOW,
	})
	priceTypes = newEnumMap(map[acv3.PriceType]bsv1.StoredPriceType{
		acv3.PriceType_FIXED_RATE_DEFAULT: bsv1.StoredPriceType_STORED_PRICE_TYPE_UNSPECIFIED,
		acv3.PriceType_PER_PERSON:         bsv1.StoredPriceType_STORED_PRICE_TYPE_PER_PERSON,
	})
)
