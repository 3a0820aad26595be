package io.seedflow.core.data.mail;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/** Date forms seen in real mail (most from the SpamAssassin corpus), each with the instant it names. */
class EmailDatesTest {

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
        "Thu, 22 Aug 2002 07:36:16 -0400 (EDT)      | 2002-08-22T11:36:16Z",
        "22 Aug 2002 07:36:16 -0400                 | 2002-08-22T11:36:16Z",
        "Thu, 22 Aug 02 07:36:16 -0400              | 2002-08-22T11:36:16Z",
        "Thu,22 Aug 2002 07:36:16 -0400             | 2002-08-22T11:36:16Z",
        "Thu,   22   Aug   2002   07:36:16   -0400  | 2002-08-22T11:36:16Z",
        "Thu, 22 Aug 2002 07:36:16 EDT              | 2002-08-22T11:36:16Z",
        "Thu, 22 Aug 2002 04:36:16 PDT              | 2002-08-22T11:36:16Z",
        "Thu, 22 Aug 2002 06:36:16 EST              | 2002-08-22T11:36:16Z",
        "Thu, 22 Aug 2002 11:36:16 GMT              | 2002-08-22T11:36:16Z",
        "Thu, 22 Aug 2002 11:36:16 UT               | 2002-08-22T11:36:16Z",
        "Thu, 22 Aug 2002 11:36:16                  | 2002-08-22T11:36:16Z",
        "Thu, 22 Aug 2002 11:36 +0000               | 2002-08-22T11:36:00Z",
        "Thursday, 22 August 2002 13:36:16 +0200    | 2002-08-22T11:36:16Z",
        "Thu, 22 Aug 2002 12:36:16 +0100 (IST)      | 2002-08-22T11:36:16Z",
        "(sent) Thu, 22 (day) Aug 2002 11:36:16 Z   | 2002-08-22T11:36:16Z",
        "Thu Aug 22 12:36:16 2002 +0100             | 2002-08-22T11:36:16Z",
        "22-Aug-2002 11:36:16 GMT                   | 2002-08-22T11:36:16Z",
        "2002-08-22 13:36:16 +02:00                 | 2002-08-22T11:36:16Z",
        "2002/08/22 Thu 06:36:16 CDT                | 2002-08-22T11:36:16Z",
        "Fri, 23 Aug 2002 22:46:34 GMT+1            | 2002-08-23T21:46:34Z",
        "28 Jun 01 10:05:15 PM                      | 2001-06-28T22:05:15Z",
        "03 Jul 01 12:47:50 AM                      | 2001-07-03T00:47:50Z",
        "Thu, 22 Aug 0102 12:07:35 +0800            | 2002-08-22T04:07:35Z",
        "Thu, 22 Aug 102 12:07:35 +0800             | 2002-08-22T04:07:35Z",
        "Sat, 14 Sep 2002 02:29:32.123 -0700        | 2002-09-14T09:29:32Z",
        "Mon, 1 Jul 2002 9:05:07 -0500              | 2002-07-01T14:05:07Z",
        "Thu, 22 Aug 2002                           | 2002-08-22T00:00:00Z",
    })
    void readsTheInstant(String value, String expected) {
        assertThat(EmailDates.parse(value)).contains(Instant.parse(expected));
    }

    @ParameterizedTest(name = "[{index}] \"{0}\"")
    @ValueSource(strings = {"", "sometime last week", "Thu, 31 Feb 2002 10:00:00 +0000",
        "Thu, 22 Aug 2002 07:36:16 -1900", "Mon, 28 Jul 1880 14:01:35", "Thu, 22 Foo 2002 10:00:00 +0000"})
    void unreadableDatesAreEmpty(String value) {
        assertThat(EmailDates.parse(value)).isEmpty();
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
        "from a by b (Postfix) with ESMTP id 1 for <x@y>; Thu, 22 Aug 2002 12:36:16 +0100 (IST) | 2002-08-22T11:36:16Z",
        "from a (HELO 10.0.0.1; port 25) by b; 22 Aug 2002 11:36:16 -0000                       | 2002-08-22T11:36:16Z",
    })
    void receivedDateIsAfterTheLastSemicolon(String value, String expected) {
        assertThat(EmailDates.parseReceived(value)).contains(Instant.parse(expected));
    }
}
